"""Validation and orchestration behind the thin router."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.mixins import repo
from app.mixins.keys import KINDS, canonical, mixin_key
from app.mixins.predictor import Query
from app.mixins.runtime import MixinRuntime
from app.mixins.schemas import (
    CompatibilityOut,
    CompositionQuery,
    FeedbackIn,
    FeedbackOut,
    RecommendIn,
    RecommendOut,
)


def check_kind(kind: str, field: str = "node_kind") -> str:
    k = kind.lower()
    if k not in KINDS:
        raise InvalidInput(
            f"unknown node kind {kind!r}; expected one of {list(KINDS)}", field=field, value=kind
        )
    return k


def check_mixins(
    rt: MixinRuntime, mixins: list[str], field: str = "mixins", *, allow_empty: bool = False
) -> tuple[str, ...]:
    if not mixins and not allow_empty:
        raise InvalidInput("mixins must not be empty", field=field, value=mixins)
    if unknown := rt.catalog.unknown(mixins):
        raise InvalidInput(
            f"unknown mixin(s): {unknown}",
            field=field,
            value=unknown[0] if len(unknown) == 1 else unknown,
        )
    return canonical(mixins)


def to_query(rt: MixinRuntime, q: CompositionQuery, where: str = "") -> Query:
    return (
        check_kind(q.node_kind, f"{where}node_kind"),
        q.order,
        check_mixins(rt, q.mixins, f"{where}mixins"),
    )


async def predict(
    rt: MixinRuntime, queries: list[CompositionQuery], prefix: bool
) -> list[dict[str, Any]]:
    """Predictions as plain dicts shaped like PredictionOut (a 1,000-item batch skips 1,000
    response-model validations: the shape is fixed by `Prediction.as_dict`)."""
    if prefix and not queries:
        raise InvalidInput("items must not be empty", field="items", value=[])
    qs = [to_query(rt, q, f"items.{i}." if prefix else "") for i, q in enumerate(queries)]
    return [p.as_dict() for p in await rt.predict(qs)]


async def recommend(rt: MixinRuntime, body: RecommendIn) -> RecommendOut:
    kind = check_kind(body.node_kind)
    chosen = list(check_mixins(rt, body.mixins, allow_empty=True))
    recs = await rt.recommend(kind, body.capabilities, chosen, body.order, body.limit)
    return RecommendOut.model_validate(
        {"node_kind": kind, "recommendations": recs, "model_version": rt.predictor.model_version}
    )


async def feedback(rt: MixinRuntime, session: AsyncSession, body: FeedbackIn) -> FeedbackOut:
    kind = check_kind(body.node_kind)
    mixins = check_mixins(rt, body.mixins)
    obs = repo.Observation(
        kind, body.order, mixins, body.success, "ok" if body.success else "feedback", body.error
    )
    res = await rt.feedback(session, obs, body.generation_id)
    return FeedbackOut(mixin_key=mixin_key(mixins), node_kind=kind, order=body.order, **res)


async def compatibility(rt: MixinRuntime, session: AsyncSession) -> CompatibilityOut:
    rows = await repo.summary(session, rt.catalog.framework_version)
    by_kind: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = by_kind.setdefault(
            r["node_kind"], {"node_kind": r["node_kind"], "combinations": 0, "compatible": 0}
        )
        d["combinations"] += r["combinations"]
        d["compatible"] += r["compatible"]
    for d in by_kind.values():
        d["success_rate"] = round(d["compatible"] / max(1, d["combinations"]), 4)
    return CompatibilityOut(
        framework_version=rt.catalog.framework_version,
        by_kind=sorted(by_kind.values(), key=lambda d: d["node_kind"]),
        rows=rows,
    )
