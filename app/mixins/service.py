"""MixinRuntime: catalog, predictor, oracle (own warm sandbox pool) and training, per app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.errors import Conflict
from app.mixins import baseline, repo
from app.mixins.catalog import Catalog
from app.mixins.keys import canonical, composition_key
from app.mixins.measured import load_measured, seeded_measured, unmeasured_singles
from app.mixins.model import Artifact, save, train_artifact
from app.mixins.oracle_client import Measured, Oracle, start_pool
from app.mixins.predictor import Counts, Prediction, Predictor, Query
from app.mixins.recommendation import NodeMixinMemo, candidates_for, rank_recommendations
from app.mixins.training import (
    describe_model,
    log_training_failure,
    require_trainable,
    trained_at,
)
from app.sandbox.pool import SandboxPool

log = logging.getLogger(__name__)
REFRESH_S = 60.0


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
        self._node_mixins = NodeMixinMemo()

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
        measured = await seeded_measured(sessionmaker, baseline_path, catalog.framework_version)
        self = cls(settings, sessionmaker, catalog, Predictor(catalog, art, measured))
        if start_oracle:
            self._pool_task = asyncio.create_task(self._start_pool())
        self._refresh_task = asyncio.create_task(self._refresh_loop())
        return self

    async def refresh_measured(self) -> int:
        """Reload measured counts (a sweep run by the CLI writes them behind the service's back)."""
        async with self.sessionmaker() as session:
            measured = await load_measured(session, self.catalog.framework_version)
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
        todo = unmeasured_singles(self.catalog.names(), self.predictor.measured)
        if not todo:
            return 0
        measured = [m for m in await self.oracle.measure(todo) if m.stage != "crash"]
        async with self.sessionmaker() as session, session.begin():
            await self._record(session, measured)
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
        remembered = self._node_mixins.get(key, self.predictor.revision)
        if remembered is not None:
            return remembered
        chosen = await self._compose_for_node(*key)
        self._node_mixins.put(key, self.predictor.revision, chosen)
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
            await self._record(session, [m])
            row = await repo.get(session, m.kind, m.order, m.mixins, self.catalog.framework_version)
        if row is not None:
            self.predictor.observe(
                m.key, Counts(row.success_count, row.failure_count, row.last_stage, row.last_error)
            )
        return m

    async def _record(self, session: AsyncSession, measured: list[Measured]) -> None:
        observations = repo.observations_from(measured)
        version = self.catalog.framework_version
        await repo.record(session, observations, framework_version=version, source="oracle")

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
        since = trained_at(self.predictor.artifact)
        pending = await repo.feedback_since(session, since)
        retrain = pending >= self.settings.mixins.retrain_after_feedback and not self.training
        return {
            "success_count": row.success_count,
            "failure_count": row.failure_count,
            "pending_feedback": pending,
            "retrain_scheduled": retrain,
        }

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
        require_trainable(data)
        if self.training:
            raise Conflict("a training run is already in progress")
        self._train_task = asyncio.create_task(self.train())
        self._train_task.add_done_callback(log_training_failure)

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
        return describe_model(
            self.predictor,
            training=self.training,
            last_error=self.last_train_error,
            framework_version=self.catalog.framework_version,
        )
