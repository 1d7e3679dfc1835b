"""MixinRuntime: catalog, predictor, oracle (own warm sandbox pool) and training, per app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.errors import Conflict
from app.mixins import baseline, repo
from app.mixins.catalog import Catalog
from app.mixins.keys import KINDS, ORDERS, canonical, composition_key
from app.mixins.model import Artifact, save, train_artifact
from app.mixins.models import MixinOutcome
from app.mixins.oracle_client import Measured, Oracle, start_pool
from app.mixins.predictor import Counts, Prediction, Predictor, Query
from app.sandbox.pool import SandboxPool

log = logging.getLogger(__name__)
REFRESH_S = 60.0
MIN_TRAIN_OUTCOMES = 50


class MixinRuntime:
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
        self._train_task: asyncio.Task[Artifact] | None = None
        self._refresh_task: asyncio.Task[None] | None = None
        self.last_train_error: str | None = None

    # lifecycle ---------------------------------------------------------------------------------
    @classmethod
    async def create(
        cls,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        start_oracle: bool = True,
    ) -> MixinRuntime:
        runtime_path = Path(settings.mixins.model_path)
        baseline_path = Path(settings.mixins.baseline_path)
        catalog = await anyio.to_thread.run_sync(baseline.catalog_for, runtime_path, baseline_path)
        art = await anyio.to_thread.run_sync(baseline.model_for, runtime_path, baseline_path)
        if art is not None and art.meta.get("framework_version") != catalog.framework_version:
            log.warning(
                "mixin model %s was trained for another framework version; ignored", art.version
            )
            art = None
        measured = await _seeded_measured(sessionmaker, baseline_path, catalog.framework_version)
        self = cls(settings, sessionmaker, catalog, Predictor(catalog, art, measured))
        if start_oracle:
            self._pool_task = asyncio.create_task(self._start_pool())
        self._refresh_task = asyncio.create_task(self._refresh_loop())
        return self

    async def refresh_measured(self) -> int:
        """Reload measured counts (a sweep run by the CLI writes them behind the service's back)."""
        async with self.sessionmaker() as session:
            measured = await _measured(session, self.catalog.framework_version)
        self.predictor.replace_measured(measured)
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
            workers=1, memory_limit_mb=self.settings.verification.memory_limit_mb
        )
        self.oracle = Oracle(
            self.catalog, self.pool, timeout_s=self.settings.mixins.oracle_timeout_s
        )
        try:
            await self.measure_missing_singles()
        except Exception:
            log.exception("measuring missing single-mixin compositions failed")

    async def measure_missing_singles(self) -> int:
        """Measure every single-mixin composition not measured yet (a new framework version or a
        newly discovered mixin): 8 compositions per mixin, ~10 ms each. Singles are the strongest
        evidence the predictor has for compositions nobody measured."""
        assert self.oracle is not None
        todo: list[Query] = [
            (k, o, (m,))
            for m in self.catalog.names()
            for k in KINDS
            for o in ORDERS
            if composition_key(k, (m,), o) not in self.predictor.measured
        ]
        if not todo:
            return 0
        measured = [m for m in await self.oracle.measure(todo) if m.stage != "crash"]
        async with self.sessionmaker() as session, session.begin():
            await repo.record(
                session,
                repo.observations_from(measured),
                framework_version=self.catalog.framework_version,
                source="oracle",
            )
        await self.refresh_measured()
        log.info("measured %d single-mixin compositions", len(measured))
        return len(measured)

    async def close(self) -> None:
        for task in (self._train_task, self._pool_task, self._refresh_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self.pool is not None:
            await self.pool.close()

    # prediction --------------------------------------------------------------------------------
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
        wanted = {c.lower() for c in capabilities}
        cands = [
            p
            for n, p in self.catalog.mixins.items()
            if p.capability
            and n not in chosen
            and not p.data.get("in_node_base", {}).get(kind)
            and (not wanted or wanted & set(p.tags))
        ]
        preds = await self.predict([(kind, order, canonical([*chosen, c.name])) for c in cands])
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
        return [{k: v for k, v in d.items() if k not in ("primary", "n_primary")} for d in keep][
            :limit
        ]

    async def recommend_for_node(self, kind: str, capabilities: list[str]) -> list[str]:
        """Mixins for a generated node, composed node first: per wanted capability, the ranked
        candidates (predicted) are tried in turn and the first whose addition the oracle confirms
        is kept. Every returned composition passed the oracle (cached by key)."""
        kind = kind.lower()
        chosen: list[str] = []
        for cap in dict.fromkeys(c.lower() for c in capabilities):
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

    async def confirm(self, kind: str, mixins: list[str], order: str = "node_first") -> bool:
        """Run the composition through the oracle (cached by key; recorded as a measurement)."""
        kind = kind.lower()
        key = composition_key(kind, mixins, order)
        known = self.predictor.measured.get(key)
        if known is not None and known.failure == 0 and known.success > 0:
            return True
        if known is not None and known.success == 0 and known.failure > 0:
            return False
        m = await self.measure_one(kind, mixins, order)
        return m.ok

    async def measure_one(self, kind: str, mixins: list[str], order: str) -> Measured:
        if self._pool_task is not None:
            await self._pool_task
        if self.oracle is None:
            raise RuntimeError("oracle not started")
        m = await self.oracle.confirm(kind, mixins, order)
        if m.stage == "crash" and "timeout" not in (m.error or ""):
            return m  # infrastructure failure, not a measurement
        async with self.sessionmaker() as session, session.begin():
            await repo.record(
                session,
                repo.observations_from([m]),
                framework_version=self.catalog.framework_version,
                source="oracle",
            )
            row = await repo.get(session, m.kind, m.order, m.mixins, self.catalog.framework_version)
        if row is not None:
            self.predictor.observe(
                m.key, Counts(row.success_count, row.failure_count, row.last_stage, row.last_error)
            )
        return m

    # feedback and training ---------------------------------------------------------------------
    async def feedback(
        self, session: AsyncSession, obs: repo.Observation, generation_id: str | None
    ) -> dict[str, Any]:
        row = await repo.add_feedback(
            session,
            obs,
            generation_id=generation_id,
            framework_version=self.catalog.framework_version,
        )
        key = composition_key(obs.kind, obs.mixins, obs.order)
        self.predictor.observe(
            key, Counts(row.success_count, row.failure_count, row.last_stage, row.last_error)
        )
        since = self._trained_at()
        pending = await repo.feedback_since(session, since)
        retrain = pending >= self.settings.mixins.retrain_after_feedback and not self.training
        return {
            "success_count": row.success_count,
            "failure_count": row.failure_count,
            "pending_feedback": pending,
            "retrain_scheduled": retrain,
        }

    def _trained_at(self) -> datetime | None:
        art = self.predictor.artifact
        if art is None or "trained_at" not in art.meta:
            return None
        return datetime.fromisoformat(str(art.meta["trained_at"]).replace("Z", "+00:00"))

    def has_model(self) -> bool:
        return self.predictor.artifact is not None

    @property
    def training(self) -> bool:
        return self._train_task is not None and not self._train_task.done()

    async def start_training(self) -> None:
        if self.training:
            raise Conflict("a training run is already in progress")
        async with self.sessionmaker() as session:
            data = [o for o, _ in await repo.outcomes(session, self.catalog.framework_version)]
        usable = [o for o in data if len(o.mixins) <= 2]
        if len(usable) < MIN_TRAIN_OUTCOMES or len({o.label for o in usable}) < 2:
            raise Conflict(
                f"not enough measured outcomes to train ({len(usable)}; need "
                f"{MIN_TRAIN_OUTCOMES} with both classes): run `make mixin-sweep` first",
                outcomes=len(usable),
            )
        if self.training:
            raise Conflict("a training run is already in progress")
        self._train_task = asyncio.create_task(self.train())
        self._train_task.add_done_callback(_log_failure)

    async def train(self) -> Artifact:
        await self.refresh_measured()
        async with self.sessionmaker() as session:
            data = [o for o, _ in await repo.outcomes(session, self.catalog.framework_version)]
        if not data:
            self.last_train_error = "no measured outcomes: run `make mixin-sweep` first"
            raise RuntimeError(self.last_train_error)
        try:
            art = await anyio.to_thread.run_sync(train_artifact, self.catalog, data)
            await anyio.to_thread.run_sync(save, art, Path(self.settings.mixins.model_path))
        except Exception as exc:
            self.last_train_error = repr(exc)
            raise
        self.predictor.artifact = art
        self.last_train_error = None
        return art

    def model_info(self) -> dict[str, Any]:
        art = self.predictor.artifact
        meta = {
            k: v for k, v in (art.meta if art else {}).items() if k not in ("columns", "params")
        }
        return {
            "loaded": art is not None,
            "training": self.training,
            "last_error": self.last_train_error,
            "framework_version": self.catalog.framework_version,
            "n_features": len(art.meta["columns"]) if art else 0,
            "measured_compositions": len(self.predictor.measured),
            **meta,
        }


async def _seeded_measured(
    sessionmaker: async_sessionmaker[AsyncSession], baseline_path: Path, framework_version: str
) -> dict[str, Counts]:
    """Measured counts; an empty database is first seeded from the checked-in baseline. A
    database that is down at startup yields no counts (the refresh loop picks them up later)."""
    try:
        async with sessionmaker() as session, session.begin():
            if await repo.fingerprint(session, framework_version) == (0, 0):
                seed = await anyio.to_thread.run_sync(
                    baseline.seed_observations, baseline_path, framework_version
                )
                if seed:
                    await repo.record(
                        session, seed, framework_version=framework_version, source="baseline"
                    )
                    log.info("seeded %d mixin outcomes from the baseline", len(seed))
            return await _measured(session, framework_version)
    except Exception as exc:
        log.warning("mixin outcomes unavailable at startup: %s", exc)
        return {}


async def _measured(session: AsyncSession, framework_version: str) -> dict[str, Counts]:
    """Counts keyed by composition key (plain column rows: no ORM objects on the event loop)."""
    M = MixinOutcome
    q = select(
        M.node_kind, M.class_order, M.mixin_key, M.success_count, M.failure_count,
        M.last_stage, M.last_error,
    ).where(M.framework_version == framework_version)  # fmt: skip
    rows = (await session.execute(q)).all()
    return {f"{k}|{o}|{m}": Counts(s, f, st, err) for k, o, m, s, f, st, err in rows}


def _log_failure(task: asyncio.Task[Artifact]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.warning("mixin model training failed: %r", exc)


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


def get_runtime(request: Request) -> MixinRuntime:
    runtime: MixinRuntime = request.state.mixins
    return runtime


MixinRuntimeDep = Annotated[MixinRuntime, Depends(get_runtime)]
