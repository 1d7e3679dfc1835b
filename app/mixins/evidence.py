"""Async side of the oracle: runs composition batches on a warm sandbox pool, caches by key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.mixins.catalog import Catalog
from app.mixins.keys import canonical, composition_key
from app.sandbox.pool import SandboxPool

PRELOAD = ["app.mixins.oracle_preload"]
TASK = "app.mixins.oracle:run_batch"


@dataclass(frozen=True)
class Measured:
    kind: str
    order: str
    mixins: tuple[str, ...]
    stage: str
    error: str | None
    uninitialised: tuple[str, ...]
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.stage == "ok"

    @property
    def key(self) -> str:
        return composition_key(self.kind, self.mixins, self.order)


Query = tuple[str, str, tuple[str, ...]]  # kind, order, canonical mixins


class Oracle:
    """Measures compositions; `pool` is a started SandboxPool preloaded with PRELOAD."""

    def __init__(
        self,
        catalog: Catalog,
        pool: SandboxPool,
        *,
        timeout_s: float = 5.0,
        chunk: int = 250,
        parallel_per_worker: int = 1,
    ) -> None:
        self.catalog = catalog
        self.pool = pool
        self.timeout_s = timeout_s
        self.chunk = chunk
        self.parallel = parallel_per_worker
        self.cache: dict[str, Measured] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def _item(self, q: Query) -> dict[str, Any]:
        kind, order, mixins = q
        return {
            "kind": kind,
            "order": order,
            "mixins": [self.catalog.mixins[m].ref for m in mixins],
        }

    async def _run_chunk(self, chunk: Sequence[Query]) -> list[Measured]:
        payload = {
            "items": [self._item(q) for q in chunk],
            "timeout_s": self.timeout_s,
            "parallel": self.parallel,
        }
        budget = self.timeout_s * len(chunk) / self.parallel + 30.0
        res = await self.pool.run(TASK, payload, timeout_s=budget)
        if not res.ok or not isinstance(res.value, list):
            err = res.error or "sandbox returned no result"
            return [
                Measured(k, o, m, "crash", f"oracle batch failed: {err}"[:600], (), 0.0)
                for k, o, m in chunk
            ]
        return [
            Measured(
                k,
                o,
                m,
                r["stage"],
                r.get("error"),
                tuple(r.get("uninitialised", ())),
                float(r.get("duration_ms", 0.0)),
            )
            for (k, o, m), r in zip(chunk, res.value, strict=True)
        ]

    async def measure(self, queries: Sequence[Query], *, use_cache: bool = True) -> list[Measured]:
        """Measure many compositions (split in chunks across the pool's workers)."""
        todo = [
            q
            for q in dict.fromkeys(queries)
            if not (use_cache and composition_key(q[0], q[2], q[1]) in self.cache)
        ]
        chunks = [todo[i : i + self.chunk] for i in range(0, len(todo), self.chunk)]
        for part in await asyncio.gather(*(self._run_chunk(c) for c in chunks)):
            for m in part:
                if m.stage != "crash" or "timeout" in (m.error or ""):
                    self.cache[m.key] = m
        out = []
        for kind, order, mixins in queries:
            key = composition_key(kind, mixins, order)
            missing = Measured(kind, order, mixins, "crash", "not measured", (), 0.0)
            out.append(self.cache.get(key) or missing)
        return out

    async def confirm(
        self, kind: str, mixins: Sequence[str], order: str = "node_first"
    ) -> Measured:
        q: Query = (kind, order, canonical(mixins))
        key = composition_key(kind, q[2], order)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key in self.cache:
                return self.cache[key]
            return (await self.measure([q]))[0]


async def start_pool(workers: int = 1, memory_limit_mb: int = 1024) -> SandboxPool:
    t0 = time.perf_counter()
    pool = SandboxPool(preload=PRELOAD, workers=workers, memory_limit_mb=memory_limit_mb)
    await pool.start()
    _ = t0
    return pool
