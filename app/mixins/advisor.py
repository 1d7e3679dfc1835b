"""Which mixins to compose: candidates ranked by the predictor, confirmed by running them through
the oracle, and the measured evidence the predictor answers from.

The measured counts are seeded from the checked-in baseline into an empty database (see `repo`),
reloaded when a sweep writes behind the service's back, extended by measuring every unmeasured
single at start and by each confirmation (every run is recorded as a measurement).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.mixins import repo
from app.mixins.catalog import Catalog, MixinProfile, Query, canonical, composition_key
from app.mixins.predictor import Counts, Prediction, Predictor, unmeasured_singles
from app.probes.oracle import Measured, Oracle, start_pool
from app.sandbox.pool import SandboxPolicy, SandboxPool

log = logging.getLogger(__name__)
REFRESH_S = 60.0
MEMO_ENTRIES = 4096


def observations_from(measured: Iterable[Measured]) -> list[repo.Observation]:
    return [repo.Observation(m.kind, m.order, m.mixins, m.ok, m.stage, m.error) for m in measured]


def candidates_for(
    catalog: Catalog, kind: str, capabilities: list[str], chosen: list[str]
) -> list[MixinProfile]:
    """Capability mixins not chosen yet, not already in the kind's node base, and (when
    capabilities are wanted) tagged with at least one of them."""
    wanted = {c.lower() for c in capabilities}
    return [
        p
        for n, p in catalog.mixins.items()
        if p.capability
        and n not in chosen
        and not p.data.get("in_node_base", {}).get(kind)
        and (not wanted or wanted & set(p.tags))
    ]


def rank_recommendations(
    cands: list[MixinProfile],
    preds: list[Prediction],
    capabilities: list[str],
    *,
    min_probability: float,
    limit: int,
) -> list[dict[str, Any]]:
    """The candidates with their predictions, best first, at most `limit` of them."""
    wanted = {c.lower() for c in capabilities}
    out: list[dict[str, Any]] = []
    for c, p in zip(cands, preds, strict=True):
        matched = sorted(wanted & set(c.tags))
        out.append(
            {
                "mixin": c.name,
                "primary": len(wanted & set(c.primary_tags)),
                "n_primary": len(c.primary_tags),
                "probability": p.probability,
                "compatible": p.compatible,
                "source": p.source,
                "capabilities": matched,
                "tags": list(c.tags),
            }
        )
    out.sort(key=_rank)
    # compatible, or not known to fail; then the best mixin of each wanted capability first
    keep = [d for d in out if float(d["probability"]) >= min_probability]
    firsts: list[dict[str, Any]] = []
    for cap in dict.fromkeys(c.lower() for c in capabilities):
        best = next((d for d in keep if cap in d["capabilities"] and d not in firsts), None)
        if best is not None:
            firsts.append(best)
    keep = firsts + [d for d in keep if d not in firsts]
    return [{k: v for k, v in d.items() if k not in ("primary", "n_primary")} for d in keep][:limit]


def _rank(d: dict[str, Any]) -> tuple[bool, int, int, float, int, str]:
    """Compatible first, then most wanted capabilities in the name, then probability, then the
    most focused mixin (fewest name-derived tags), then name (deterministic)."""
    return (
        not d["compatible"],
        -int(d["primary"]),
        -len(d["capabilities"]),
        -float(d["probability"]),
        int(d["n_primary"]),
        str(d["mixin"]),
    )


class Advisor:
    """Recommendations on the predictor, confirmations by the oracle, and the measured counts
    behind the predictor, kept fresh (the service's `recommend`, `recommend_for_node`)."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        predictor: Predictor,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.catalog = catalog
        self.predictor = predictor
        self.pool: SandboxPool | None = None
        self.oracle: Oracle | None = None
        self._pool_task: asyncio.Task[None] | None = None
        self._refresh_task: asyncio.Task[None] | None = None
        # (kind, capabilities) -> (predictor revision, mixins): see recommend_for_node
        self._node_mixins: dict[tuple[str, tuple[str, ...]], tuple[int, list[str]]] = {}

    def start(self, *, start_oracle: bool = True) -> None:
        if start_oracle:
            self._pool_task = asyncio.create_task(self._start_pool())
        self._refresh_task = asyncio.create_task(self._refresh_loop())

    async def close(self) -> None:
        for task in (self._pool_task, self._refresh_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self.pool is not None:
            await self.pool.close()

    async def refresh_measured(self) -> int:
        """Reload measured counts (a sweep run by the lab writes them behind the service's back)."""
        version = self.catalog.framework_version
        async with self.sessionmaker() as session:
            measured = await repo.load_measured(session, version)
            user = await repo.user_counts(session, version)
        self.predictor.replace_measured(measured)
        self.predictor.replace_user(user)
        return len(measured)

    async def _refresh_loop(self) -> None:
        """Every REFRESH_S, a cheap fingerprint query; the full reload only when it changed."""
        seen: tuple[int, int] | None = None
        while True:
            try:
                async with self.sessionmaker() as session:
                    mark = await repo.fingerprint(session, self.catalog.framework_version)
                if seen is not None and mark != seen:
                    await self.refresh_measured()
                seen = mark
            except Exception:
                log.exception("refreshing measured mixin outcomes failed")
            await asyncio.sleep(REFRESH_S)

    async def _start_pool(self) -> None:
        self.pool = await start_pool(
            workers=1,
            memory_limit_mb=self.settings.verification.memory_limit_mb,
            policy=SandboxPolicy.from_settings(self.settings),
        )
        refs = {name: p.ref for name, p in self.catalog.mixins.items()}
        self.oracle = Oracle(refs, self.pool, timeout_s=self.settings.mixins.oracle_timeout_s)
        try:
            await self.measure_missing_singles()
        except Exception:
            log.exception("measuring missing single-mixin compositions failed")

    async def measure_missing_singles(self) -> int:
        """Measure every single-mixin composition not measured yet (a new framework version or a
        newly discovered mixin): 8 compositions per mixin, ~10 ms each. Singles are the strongest
        evidence the predictor has for compositions nobody measured."""
        assert self.oracle is not None
        todo = unmeasured_singles(self.catalog.names(), self.predictor.measured)
        if not todo:
            return 0
        measured = [m for m in await self.oracle.measure(todo) if m.stage != "crash"]
        async with self.sessionmaker() as session, session.begin():
            await self._record(session, measured)
        await self.refresh_measured()
        log.info("measured %d single-mixin compositions", len(measured))
        return len(measured)

    # recommendation --------------------------------------------------------------------------
    async def predict(self, queries: list[Query]) -> list[Prediction]:
        return await anyio.to_thread.run_sync(self.predictor.predict_many, queries)

    async def recommend(
        self,
        kind: str,
        capabilities: list[str],
        chosen: list[str],
        order: str = "node_first",
        limit: int = 5,
        *,
        min_probability: float = 0.5,
    ) -> list[dict[str, Any]]:
        cands = candidates_for(self.catalog, kind, capabilities, chosen)
        preds = await self.predict([(kind, order, canonical([*chosen, c.name])) for c in cands])
        return rank_recommendations(
            cands, preds, capabilities, min_probability=min_probability, limit=limit
        )

    async def recommend_for_node(self, kind: str, capabilities: list[str]) -> list[str]:
        """Mixins for a generated node, composed node first: per wanted capability, the ranked
        candidates (predicted) are tried in turn and the first whose addition the oracle confirms
        is kept. Every returned composition passed the oracle (cached by key).

        Answers are remembered until the model or the measured evidence changes: a service
        sees the same few capability sets over and over, and each costs a model call per
        capability."""
        key = (kind.lower(), tuple(dict.fromkeys(c.lower() for c in capabilities)))
        remembered = self._node_mixins.get(key)
        if remembered is not None and remembered[0] == self.predictor.revision:
            return list(remembered[1])
        chosen = await self._compose_for_node(*key)
        if len(self._node_mixins) >= MEMO_ENTRIES:
            self._node_mixins.clear()
        # the revision after composing: its own confirmations are part of the evidence
        self._node_mixins[key] = (self.predictor.revision, list(chosen))
        return chosen

    async def _compose_for_node(self, kind: str, capabilities: tuple[str, ...]) -> list[str]:
        chosen: list[str] = []
        for cap in capabilities:
            if any(cap in self.catalog.mixins[m].primary_tags for m in chosen):
                continue
            ranked = await self.recommend(kind, [cap], chosen, "node_first", 3, min_probability=0.0)
            for cand in ranked:
                if await self.confirm(kind, [*chosen, cand["mixin"]], "node_first"):
                    chosen.append(cand["mixin"])
                    break
        if chosen and not await self.confirm(kind, chosen, "node_first"):
            return []  # unreachable in practice: each step was confirmed
        return sorted(chosen)

    def module_of(self, mixin: str) -> str:
        """The module generated code imports `mixin` from (read from the discovered class)."""
        return self.catalog.mixins[mixin].ref.split(":", 1)[0]

    # measurement -------------------------------------------------------------------------------
    async def confirm(self, kind: str, mixins: list[str], order: str = "node_first") -> bool:
        """Run the composition through the oracle (cached by key; recorded as a measurement)."""
        kind = kind.lower()
        known = self.predictor.measured.get(composition_key(kind, mixins, order))
        if known is not None and known.failure == 0 and known.success > 0:
            return True
        if known is not None and known.success == 0 and known.failure > 0:
            return False
        return (await self.measure_one(kind, mixins, order)).ok

    async def measure_one(self, kind: str, mixins: list[str], order: str) -> Measured:
        m = await (await self._ready_oracle()).confirm(kind, mixins, order)
        await self._store(m)
        return m

    async def remeasure(self, kind: str, mixins: list[str], order: str) -> Measured | None:
        """Run the composition again, past the oracle's cache (a user report contradicted its
        measured outcome), and record the run; None when the oracle cannot measure it."""
        try:
            oracle = await self._ready_oracle()
        except Exception:
            log.warning("oracle unavailable: a conflicting report was not re-measured")
            return None
        [m] = await oracle.measure([(kind.lower(), order, canonical(mixins))], use_cache=False)
        return m if await self._store(m) else None

    async def _ready_oracle(self) -> Oracle:
        if self._pool_task is not None:
            await self._pool_task
        if self.oracle is None:
            raise RuntimeError("oracle not started")
        return self.oracle

    async def _store(self, m: Measured) -> bool:
        """Record a run as a measurement and tell the predictor (not an infrastructure crash)."""
        if m.stage == "crash" and "timeout" not in (m.error or ""):
            return False
        async with self.sessionmaker() as session, session.begin():
            await self._record(session, [m])
            row = await repo.get(session, m.kind, m.order, m.mixins, self.catalog.framework_version)
        if row is not None:
            self.predictor.observe(
                composition_key(m.kind, m.mixins, m.order),
                Counts(row.success_count, row.failure_count, row.last_stage, row.last_error),
            )
        return True

    async def _record(self, session: AsyncSession, measured: list[Measured]) -> None:
        version = self.catalog.framework_version
        await repo.record(
            session, observations_from(measured), framework_version=version, source="oracle"
        )
