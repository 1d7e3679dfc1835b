"""The analytics views' queries: plain SQL aggregates that read the same on SQLite and
PostgreSQL; percentiles are computed here (nearest rank) because the two databases have no
common percentile function."""

from collections import defaultdict
from statistics import fmean

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.schemas import (
    FeedbackView,
    KindPerformance,
    LowCompatibility,
    MixinKindSummary,
    MixinsView,
    Percentiles,
    PerformanceView,
    PhasePerformance,
)
from app.analytics.window import Window, percentile
from app.feedback.models import GenerationFeedback
from app.generation.models import Generation, PhaseTiming
from app.mixins.models import MixinOutcome

NODE_PHASE = "verify_package"  # one row per verified package (node_name set)


def summarise(values: list[float]) -> Percentiles:
    ordered = sorted(values)
    return Percentiles(
        count=len(ordered),
        p50=percentile(ordered, 0.50),
        p95=percentile(ordered, 0.95),
        p99=percentile(ordered, 0.99),
        mean=round(fmean(ordered), 3) if ordered else None,
    )


async def performance(session: AsyncSession, w: Window) -> PerformanceView:
    in_window = (Generation.created_at >= w.since) & (Generation.created_at < w.until)
    generations = await session.scalar(select(func.count()).where(in_window)) or 0
    rows = await session.execute(
        select(
            PhaseTiming.generation_id,
            PhaseTiming.phase,
            PhaseTiming.node_name,
            PhaseTiming.duration_ms,
        )
        .join(Generation, Generation.id == PhaseTiming.generation_id)
        .where(in_window)
    )
    phases: dict[str, list[float]] = defaultdict(list)
    by_node: dict[str, dict[str, float]] = defaultdict(dict)  # generation -> node -> ms
    for generation_id, phase, node_name, ms in rows:
        if phase == NODE_PHASE and node_name is not None:
            by_node[generation_id][node_name] = ms
        elif phase != "total":
            phases[phase].append(ms)
    kinds: dict[str, list[float]] = defaultdict(list)
    speedups: list[float] = []
    if by_node:
        results = await session.execute(
            select(Generation.id, Generation.result, Generation.timings_ms).where(
                Generation.id.in_(list(by_node))
            )
        )
        for generation_id, result, timings in results:
            kind_of = {node["name"]: node["kind"] for node in result.get("nodes", [])}
            for node_name, ms in by_node[generation_id].items():
                kinds[kind_of.get(node_name, "unknown")].append(ms)
            wall = timings.get("verify")
            if wall:
                speedups.append(round(sum(by_node[generation_id].values()) / wall, 3))
    return PerformanceView(
        since=w.since,
        until=w.until,
        generations=generations,
        phases=[
            PhasePerformance(phase=phase, **summarise(values).model_dump())
            for phase, values in sorted(phases.items())
        ],
        node_kinds=[
            KindPerformance(kind=kind, **summarise(values).model_dump())
            for kind, values in sorted(kinds.items())
        ],
        speedup=summarise(speedups),
    )


async def feedback(session: AsyncSession, w: Window) -> FeedbackView:
    F = GenerationFeedback
    in_window = (F.created_at >= w.since) & (F.created_at < w.until)
    count, ran, useful, generations, rating_sum = (
        await session.execute(
            select(
                func.count(),
                func.sum(case((F.ran.is_(True), 1), else_=0)),
                func.sum(case((F.useful.is_(True), 1), else_=0)),
                func.count(func.distinct(F.generation_id)),
                func.sum(F.rating),
            ).where(in_window)
        )
    ).one()
    ratings = {str(r): 0 for r in range(1, 6)}
    for rating, n in await session.execute(
        select(F.rating, func.count()).where(in_window).group_by(F.rating)
    ):
        ratings[str(rating)] = int(n)
    return FeedbackView(
        since=w.since,
        until=w.until,
        count=count,
        ratings=ratings,
        mean_rating=round(rating_sum / count, 4) if count else None,
        ran_rate=round((ran or 0) / count, 4) if count else None,
        useful_rate=round((useful or 0) / count, 4) if count else None,
        generations=generations,
    )


async def mixins(
    session: AsyncSession, w: Window, *, max_success_rate: float, limit: int, offset: int
) -> MixinsView:
    M = MixinOutcome
    in_window = (M.updated_at >= w.since) & (M.updated_at < w.until)
    kinds = [
        MixinKindSummary(
            node_kind=kind,
            compositions=int(n),
            observations=int(ok + bad),
            success_rate=round(ok / (ok + bad), 4) if ok + bad else None,
        )
        for kind, n, ok, bad in await session.execute(
            select(M.node_kind, func.count(), func.sum(M.success_count), func.sum(M.failure_count))
            .where(in_window)
            .group_by(M.node_kind)
            .order_by(M.node_kind)
        )
    ]
    total = M.success_count + M.failure_count
    low = in_window & (M.failure_count > 0) & (M.success_count < max_success_rate * total)
    count = await session.scalar(select(func.count()).where(low)) or 0
    rows = await session.scalars(
        select(M).where(low).order_by(M.failure_count.desc(), M.id).limit(limit).offset(offset)
    )
    return MixinsView(
        since=w.since,
        until=w.until,
        kinds=kinds,
        low_compatibility=[
            LowCompatibility(
                mixin_key=row.mixin_key,
                node_kind=row.node_kind,
                class_order=row.class_order,
                successes=row.success_count,
                failures=row.failure_count,
                success_rate=round(row.success_count / (row.success_count + row.failure_count), 4),
                last_error=row.last_error,
            )
            for row in rows
        ],
        total_low=count,
        limit=limit,
        offset=offset,
    )
