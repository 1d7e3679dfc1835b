"""MixinService: the /mixins capability (catalog, prediction, recommendation, feedback, training)
and the mixin advisor generation asks for each node (`recommend_for_node`, `module_of`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT, Settings
from app.errors import Conflict, InvalidInput
from app.events import emit
from app.mixins import repo
from app.mixins.advisor import Advisor
from app.mixins.catalog import (
    Catalog,
    Query,
    canonical,
    composition_key,
    framework_version,
    load_catalog,
    mixin_key,
)
from app.mixins.learner import (
    CompositionOutcome,
    ModelArtifact,
    load_first,
    log_training_failure,
    prune_models,
    require_trainable,
    save,
    train_artifact,
    trained_at,
)
from app.mixins.predictor import Prediction, Predictor
from app.mixins.schemas import (
    CatalogOut,
    CompatibilityOut,
    CompositionQuery,
    FeedbackIn,
    FeedbackOut,
    ModelInfo,
    PredictBatch,
    PredictBatchOut,
    PredictionOut,
    RecommendIn,
    RecommendOut,
)
from app.probes.oracle import Oracle

log = logging.getLogger(__name__)
TRAINING = "a training run is already in progress"


def catalog_for(runtime_path: Path, baseline_path: Path) -> Catalog:
    """The runtime cache's catalog, else the baseline's, else a fresh discovery (~7 s)."""
    name = f"catalog-{framework_version()}.json"
    folders = [p if p.is_absolute() else PROJECT_ROOT / p for p in (runtime_path, baseline_path)]
    return load_catalog(next((f for f in folders if (f / name).is_file()), folders[0]))


class MixinService:
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
        self.advisor = Advisor(settings, sessionmaker, catalog, predictor)
        self.last_train_error: str | None = None
        self._train_task: asyncio.Task[ModelArtifact] | None = None
        self._retrain_task: asyncio.Task[None] | None = None

    @classmethod
    async def create(
        cls,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        start_oracle: bool = True,
    ) -> MixinService:
        runtime_path = Path(settings.mixins.model_path)
        baseline_path = Path(settings.mixins.baseline_path)
        catalog = await anyio.to_thread.run_sync(catalog_for, runtime_path, baseline_path)
        art = await anyio.to_thread.run_sync(load_first, runtime_path, baseline_path)
        await anyio.to_thread.run_sync(prune_models, runtime_path, settings.mixins.keep_models)
        if art is not None and art.meta.get("framework_version") != catalog.framework_version:
            log.warning(
                "mixin model %s was trained for another framework version; ignored", art.version
            )
            art = None
        measured = await repo.seeded_measured(
            sessionmaker, baseline_path, catalog.framework_version
        )
        user = await repo.startup_user_counts(sessionmaker, catalog.framework_version)
        weight = settings.mixins.feedback_weight
        self = cls(settings, sessionmaker, catalog, Predictor(catalog, art, measured, user, weight))
        self.advisor.start(start_oracle=start_oracle)
        return self

    async def close(self) -> None:
        for task in (self._retrain_task, self._train_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        await self.advisor.close()

    @property
    def oracle(self) -> Oracle | None:
        return self.advisor.oracle

    # the MixinAdvisor generation uses, and what the tests reach for -----------------------------
    async def recommend_for_node(self, kind: str, capabilities: list[str]) -> list[str]:
        return await self.advisor.recommend_for_node(kind, capabilities)

    def module_of(self, mixin: str) -> str:
        return self.advisor.module_of(mixin)

    async def confirm(self, kind: str, mixins: list[str], order: str = "node_first") -> bool:
        return await self.advisor.confirm(kind, mixins, order)

    async def predict(self, queries: list[Query]) -> list[Prediction]:
        return await self.advisor.predict(queries)

    # requests ----------------------------------------------------------------------------------
    def listing(self) -> CatalogOut:
        mixins = [p.public() for p in self.catalog.mixins.values()]
        return CatalogOut(
            framework_version=self.catalog.framework_version, count=len(mixins), mixins=mixins
        )

    def check_mixins(self, mixins: list[str], loc: list[str | int]) -> tuple[str, ...]:
        """The mixins in canonical order; InvalidInput naming each one the catalog lacks."""
        unknown = [(i, m) for i, m in enumerate(mixins) if m not in self.catalog.mixins]
        if unknown:
            errors = [
                {"loc": [*loc, i], "msg": f"unknown mixin {m!r}", "type": "unknown_mixin"}
                for i, m in unknown
            ]
            names = [m for _, m in unknown]
            raise InvalidInput(f"unknown mixin(s): {names}", errors=errors)
        return canonical(mixins)

    def _query(self, q: CompositionQuery, loc: list[str | int]) -> Query:
        return (q.node_kind, q.order, self.check_mixins(q.mixins, [*loc, "mixins"]))

    async def predict_one(self, q: CompositionQuery) -> PredictionOut:
        [p] = await self.predict([self._query(q, ["body", "one"])])
        return PredictionOut.model_validate(p.as_dict())

    async def predict_batch(self, batch: PredictBatch) -> PredictBatchOut:
        qs = [self._query(q, ["body", "batch", "items", i]) for i, q in enumerate(batch.items)]
        items = [p.as_dict() for p in await self.predict(qs)]  # validating dicts is the fastest
        return PredictBatchOut.model_validate(
            {"items": items, "model_version": self.predictor.model_version}
        )

    async def recommend_mixins(self, body: RecommendIn) -> RecommendOut:
        chosen = list(self.check_mixins(body.mixins, ["body", "mixins"]))
        recs = await self.advisor.recommend(
            body.node_kind, body.capabilities, chosen, body.order, body.limit
        )
        return RecommendOut.model_validate(
            {"node_kind": body.node_kind, "recommendations": recs,
             "model_version": self.predictor.model_version}
        )  # fmt: skip

    async def feedback(self, session: AsyncSession, body: FeedbackIn) -> FeedbackOut:
        """Store a user report as user evidence (never as a measurement). One that contradicts
        the measured outcome makes the oracle measure the composition again instead; every
        `retrain_after_feedback` reports start a retraining."""
        mixins = self.check_mixins(body.mixins, ["body", "mixins"])
        key = composition_key(body.node_kind, mixins, body.order)
        before = self.predictor.measured.get(key)
        conflict = before is not None and (before.rate > 0.5) != body.success
        remeasured: str | None = None
        if conflict:
            run = await self.advisor.remeasure(body.node_kind, list(mixins), body.order)
            remeasured = None if run is None else _verdict(run.ok)
        obs = repo.Observation(body.node_kind, body.order, mixins, body.success, None, body.error)
        counts = await repo.add_feedback(
            session, obs, generation_id=body.generation_id,
            framework_version=self.catalog.framework_version,
            conflicts_with_measured=conflict, remeasured=remeasured,
        )  # fmt: skip
        self.predictor.observe_user(key, counts)
        pending = await repo.feedback_since(session, trained_at(self.predictor.artifact))
        retrain = pending >= self.settings.mixins.retrain_after_feedback and not self.training
        if retrain:
            self._retrain_task = asyncio.create_task(self._retrain_quietly())
        after = self.predictor.measured.get(key)
        return FeedbackOut.model_validate(
            {"mixin_key": mixin_key(mixins), "node_kind": body.node_kind, "order": body.order,
             "success_count": counts.success, "failure_count": counts.failure,
             "conflicts_with_measured": conflict, "remeasured": remeasured,
             "measured": None if after is None else _verdict(after.rate > 0.5),
             "pending_feedback": pending, "retrain_scheduled": retrain}
        )  # fmt: skip

    async def compatibility(self, session: AsyncSession) -> CompatibilityOut:
        rows = await repo.summary(session, self.catalog.framework_version)
        by_kind: dict[str, dict[str, Any]] = {}
        for r in rows:
            d = by_kind.setdefault(
                r["node_kind"], {"node_kind": r["node_kind"], "combinations": 0, "compatible": 0}
            )
            d["combinations"] += r["combinations"]
            d["compatible"] += r["compatible"]
        for d in by_kind.values():
            d["success_rate"] = round(d["compatible"] / max(1, d["combinations"]), 4)
        return CompatibilityOut.model_validate(
            {"framework_version": self.catalog.framework_version,
             "by_kind": sorted(by_kind.values(), key=lambda d: d["node_kind"]), "rows": rows}
        )  # fmt: skip

    # training ----------------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        """A training run is in progress (or about to start, scheduled by feedback)."""
        return any(t is not None and not t.done() for t in (self._train_task, self._retrain_task))

    async def start_training(self) -> None:
        """Start a background training run; Conflict while one runs or without enough data."""
        if self.training:
            raise Conflict(TRAINING)
        await self._begin_training()

    async def _retrain_quietly(self) -> None:
        with contextlib.suppress(Conflict):  # not enough data yet: the next feedback tries again
            await self._begin_training()

    async def _begin_training(self) -> None:
        data = await self._training_data()
        require_trainable(data)
        if self._train_task is not None and not self._train_task.done():
            raise Conflict(TRAINING)
        self._train_task = asyncio.create_task(self.train())
        self._train_task.add_done_callback(log_training_failure)

    async def _training_data(self) -> list[CompositionOutcome]:
        """Measured outcomes, and user reports on unmeasured compositions at their weight."""
        version, weight = self.catalog.framework_version, self.settings.mixins.feedback_weight
        async with self.sessionmaker() as session:
            measured = [o for o, _ in await repo.outcomes(session, version)]
            return measured + await repo.user_outcomes(session, version, weight)

    async def train(self) -> ModelArtifact:
        await self.advisor.refresh_measured()
        data = await self._training_data()
        if not data:
            self.last_train_error = "no measured outcomes: run `make mixin-sweep` first"
            raise RuntimeError(self.last_train_error)
        try:
            art = await anyio.to_thread.run_sync(train_artifact, self.catalog, data)
            mixins = self.settings.mixins
            await anyio.to_thread.run_sync(save, art, Path(mixins.model_path), mixins.keep_models)
        except Exception as exc:
            self.last_train_error = repr(exc)
            raise
        self.predictor.artifact = art
        self.last_train_error = None
        await emit.mixin_model_trained(self.sessionmaker, art.meta)  # mixins.model_trained
        return art

    def model_info(self) -> ModelInfo:
        """The loaded model's metadata and the training state (what `/mixins/model` reports)."""
        art = self.predictor.artifact
        meta = {
            k: v for k, v in (art.meta if art else {}).items() if k not in ("columns", "params")
        }
        return ModelInfo.model_validate(
            {
                "loaded": art is not None,
                "training": self.training,
                "last_error": self.last_train_error,
                "framework_version": self.catalog.framework_version,
                "n_features": len(art.meta["columns"]) if art else 0,
                "measured_compositions": len(self.predictor.measured),
                **meta,
            }
        )


def _verdict(compatible: bool) -> str:
    return "compatible" if compatible else "incompatible"
