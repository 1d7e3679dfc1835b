"""The oracle: the async client of the lifecycle probe. It runs batches of compositions on a warm
sandbox pool preloaded with `app.probes.lifecycle_preload` and caches the answers by query.

A query is (node kind, class order, mixins); `refs` maps a mixin name to the `module:qualname`
the probe imports it from.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.probes import Query, canonical
from app.sandbox.pool import SandboxPolicy, SandboxPool

PRELOAD = ["app.probes.lifecycle_preload"]
TASK = "app.probes.lifecycle:run_batch"


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
    def query(self) -> Query:
        return (self.kind, self.order, self.mixins)


class Oracle:
    """Measures compositions; `pool` is a started SandboxPool preloaded with PRELOAD."""

    def __init__(
        self,
        refs: Mapping[str, str],
        pool: SandboxPool,
        *,
        timeout_s: float = 5.0,
        chunk: int = 250,
        parallel_per_worker: int = 1,
    ) -> None:
        self.refs = refs
        self.pool = pool
        self.timeout_s = timeout_s
        self.chunk = chunk
        self.parallel = parallel_per_worker
        self.cache: dict[Query, Measured] = {}
        self._locks: dict[Query, asyncio.Lock] = {}

    def _item(self, q: Query) -> dict[str, Any]:
        kind, order, mixins = q
        return {
            "kind": kind,
            "order": order,
            "mixins": [self.refs[m] for m in mixins],
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
        queries = [(k, o, canonical(m)) for k, o, m in queries]
        todo = [q for q in dict.fromkeys(queries) if not (use_cache and q in self.cache)]
        chunks = [todo[i : i + self.chunk] for i in range(0, len(todo), self.chunk)]
        for part in await asyncio.gather(*(self._run_chunk(c) for c in chunks)):
            for m in part:
                if m.stage != "crash" or "timeout" in (m.error or ""):
                    self.cache[m.query] = m
        return [
            self.cache.get(q) or Measured(*q, "crash", "not measured", (), 0.0) for q in queries
        ]

    async def confirm(
        self, kind: str, mixins: Sequence[str], order: str = "node_first"
    ) -> Measured:
        q: Query = (kind, order, canonical(mixins))
        async with self._locks.setdefault(q, asyncio.Lock()):
            if q in self.cache:
                return self.cache[q]
            return (await self.measure([q]))[0]


async def start_pool(
    workers: int = 1, memory_limit_mb: int = 1024, policy: SandboxPolicy | None = None
) -> SandboxPool:
    pool = SandboxPool(
        preload=PRELOAD, workers=workers, memory_limit_mb=memory_limit_mb, policy=policy
    )
    await pool.start()
    return pool
