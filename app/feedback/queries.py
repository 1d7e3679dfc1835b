"""Reading verdicts for metrics and tuning: aggregated in SQL for metrics, row by row for tuning."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.feedback.models import PatternFeedback
from app.feedback.scoring import VerdictRow

F = PatternFeedback


def _window(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """created_at in [since, until] (both inclusive; either may be open)."""
    conditions: list[ColumnElement[bool]] = []
    if since is not None:
        conditions.append(F.created_at >= since)
    if until is not None:
        conditions.append(F.created_at <= until)
    return conditions


async def verdict_groups(
    session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> list[VerdictRow]:
    """One VerdictRow per (pattern, verdict, emitted): `count` rows, `weight` their sum."""
    query = (
        select(F.pattern, F.verdict, F.emitted, func.count(), func.sum(F.weight))
        .where(*_window(since, until))
        .group_by(F.pattern, F.verdict, F.emitted)
    )
    return [
        VerdictRow(pattern, verdict, float(weight or 0.0), emitted, count=int(count))
        for pattern, verdict, emitted, count, weight in await session.execute(query)
    ]


async def source_counts(session: AsyncSession) -> dict[tuple[str, str, str], int]:
    """(pattern, verdict, source) -> rows, all time."""
    query = select(F.pattern, F.verdict, F.source, func.count()).group_by(
        F.pattern, F.verdict, F.source
    )
    return {(p, v, s): int(n) for p, v, s, n in await session.execute(query)}


async def verdict_rows(
    session: AsyncSession, patterns: Sequence[str] | None = None
) -> list[VerdictRow]:
    """Every verdict (of `patterns`, or all), oldest first: what tuning learns from."""
    query = select(F.pattern, F.verdict, F.weight, F.emitted, F.confidence, F.created_at)
    if patterns is not None:
        query = query.where(F.pattern.in_(patterns))
    query = query.order_by(F.created_at, F.id)
    return [
        VerdictRow(pattern, verdict, weight, emitted, confidence, created_at)
        for pattern, verdict, weight, emitted, confidence, created_at in await session.execute(
            query
        )
    ]
