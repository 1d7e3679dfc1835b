"""Outbox queries: claiming a batch in order, recording delivery outcomes, parking, pruning."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import OutboxEvent as E

PENDING = and_(E.published_at.is_(None), E.parked_at.is_(None))


def now() -> datetime:
    return datetime.now(UTC)


async def claim(session: AsyncSession, limit: int) -> list[E]:
    """Up to `limit` due pending events, oldest first, that may be published now: each one's
    older pending events of the same aggregate are all in the batch too (in order per aggregate).

    On PostgreSQL the rows are locked (`FOR UPDATE SKIP LOCKED`) until the caller's transaction
    ends, so another dispatcher claims other rows; an older event of the aggregate that another
    dispatcher holds is still pending as seen from here, which holds this one back."""
    query = select(E).where(PENDING, E.next_attempt_at <= now()).order_by(E.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list((await session.scalars(query)).all())
    if not rows:
        return rows
    claimed = {r.id for r in rows}
    newest = max(claimed)
    older = await session.execute(
        select(E.aggregate_id, E.id).where(
            PENDING, E.aggregate_id.in_({r.aggregate_id for r in rows}), E.id < newest
        )
    )
    blocked: dict[str, str] = {}  # aggregate -> its oldest pending event outside the batch
    for aggregate, event_id in older.all():
        if event_id not in claimed and event_id < blocked.get(aggregate, newest + "~"):
            blocked[aggregate] = event_id
    return [r for r in rows if r.id < blocked.get(r.aggregate_id, newest + "~")]


async def mark_published(session: AsyncSession, ids: Sequence[str], at: datetime) -> None:
    if ids:
        stmt = update(E).where(E.id.in_(ids)).values(published_at=at, last_error=None)
        # the claimed objects are not read again: no per-row session synchronisation
        await session.execute(stmt.execution_options(synchronize_session=False))


def failed(row: E, error: str, retry_at: datetime, max_attempts: int) -> bool:
    """Count a failed attempt on `row`; True when it is now parked."""
    row.attempts += 1
    row.last_error = error[:2000]
    row.next_attempt_at = retry_at
    if row.attempts >= max_attempts:
        row.parked_at = now()
    return row.parked_at is not None


async def parked(session: AsyncSession, limit: int) -> list[E]:
    query = select(E).where(E.parked_at.is_not(None), E.published_at.is_(None))
    return list((await session.scalars(query.order_by(E.id).limit(limit))).all())


async def replay(session: AsyncSession, event_id: str) -> E | None:
    """Put a parked event back in the queue with a fresh attempt budget (None: not parked)."""
    row = await session.get(E, event_id, with_for_update=True)
    if row is None or row.parked_at is None or row.published_at is not None:
        return None
    row.parked_at, row.attempts, row.next_attempt_at = None, 0, now()
    return row


async def after(
    session: AsyncSession, after_id: str | None, limit: int, until: datetime
) -> list[E]:
    query = select(E).where(E.occurred_at <= until).order_by(E.id).limit(limit)
    if after_id is not None:
        query = query.where(E.id > after_id)
    return list((await session.scalars(query)).all())


async def oldest_pending(session: AsyncSession) -> datetime | None:
    oldest: datetime | None = await session.scalar(select(func.min(E.occurred_at)).where(PENDING))
    return oldest


async def count_parked(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(E.parked_at.is_not(None))) or 0)


async def prune(
    session: AsyncSession, older_than_days: int, batch_size: int, published_only: bool = True
) -> int:
    """Delete up to `batch_size` events published more than `older_than_days` ago (or, when
    not `published_only`, any unparked event that old: the embedded log has no publishing)."""
    cutoff = now() - timedelta(days=older_than_days)
    old = (
        E.published_at < cutoff
        if published_only
        else and_(E.occurred_at < cutoff, E.parked_at.is_(None))
    )
    ids = select(E.id).where(old).order_by(E.id).limit(batch_size)
    result = await session.execute(delete(E).where(E.id.in_(ids.scalar_subquery())))
    return int(getattr(result, "rowcount", 0) or 0)
