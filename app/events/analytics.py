"""GET /analytics/events: event-processing health over a window of commit times."""

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import OutboxEvent as E
from app.events.schemas import EventAnalytics, TypeStats

Row = tuple[
    datetime, datetime | None, int, datetime | None
]  # occurred, published, attempts, parked


async def event_analytics(
    session: AsyncSession, since: datetime, until: datetime
) -> EventAnalytics:
    """Events committed in [since, until): per type and overall, how many were published,
    are pending or parked, the failed attempts, and commit-to-ack latency percentiles."""
    rows = (
        await session.execute(
            select(E.type, E.occurred_at, E.published_at, E.attempts, E.parked_at).where(
                E.occurred_at >= since, E.occurred_at < until
            )
        )
    ).all()
    by_type: dict[str, list[Row]] = {}
    for type_, occurred, published, attempts, parked_at in rows:
        by_type.setdefault(type_, []).append((occurred, published, attempts, parked_at))
    everything = [r for group in by_type.values() for r in group]
    return EventAnalytics(
        since=since,
        until=until,
        events=len(rows),
        by_type=[_stats(t, by_type[t]) for t in sorted(by_type)],
        overall=_stats("*", everything),
    )


def _stats(type_: str, rows: list[Row]) -> TypeStats:
    published = [(p - o).total_seconds() * 1000 for o, p, _, _ in rows if p is not None]
    parked = sum(1 for _, p, _, k in rows if p is None and k is not None)
    done = len(published) + parked
    p50, p95 = (float(x) for x in np.percentile(published, [50, 95])) if published else (None, None)
    return TypeStats(
        type=type_,
        published=len(published),
        pending=len(rows) - done,
        parked=parked,
        retries=sum(a for _, _, a, _ in rows),
        success_rate=round(len(published) / done, 4) if done else None,
        p50_latency_ms=None if p50 is None else round(p50, 2),
        p95_latency_ms=None if p95 is None else round(p95, 2),
    )
