"""webhook_deliveries queries: claiming due deliveries under a lease, recording attempts,
listing by status, requeueing parked ones."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.webhooks.models import WebhookDelivery as D

Status = Literal["pending", "delivered", "parked"]
PENDING = and_(D.delivered_at.is_(None), D.parked_at.is_(None))
WHERE: dict[Status, ColumnElement[bool]] = {
    "pending": PENDING,
    "delivered": D.delivered_at.is_not(None),
    "parked": and_(D.parked_at.is_not(None), D.delivered_at.is_(None)),
}


def now() -> datetime:
    return datetime.now(UTC)


def status_of(row: D) -> Status:
    if row.delivered_at is not None:
        return "delivered"
    return "parked" if row.parked_at is not None else "pending"


@dataclass(frozen=True)
class Due:
    """A claimed delivery: what one attempt needs (read before the claim commits)."""

    id: str
    event_id: str
    url: str
    body: str
    attempts: int


async def claim(session: AsyncSession, limit: int, lease_until: datetime) -> list[Due]:
    """Up to `limit` due pending deliveries, earliest due first, each leased until
    `lease_until` (its `next_attempt_at` moves there: no other sender takes it meanwhile, and
    a sender that dies mid-attempt leaves it due again when the lease ends). On PostgreSQL
    the rows are locked with SKIP LOCKED; the lease is taken by a compare-and-set on
    `next_attempt_at` either way, so two senders never attempt one delivery at once."""
    query = select(D).where(PENDING, D.next_attempt_at <= now())
    query = query.order_by(D.next_attempt_at, D.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed: list[Due] = []
    for row in (await session.scalars(query)).all():
        due = Due(row.id, row.event_id, row.url, row.body, row.attempts)
        leased = await session.execute(
            update(D)
            .where(D.id == row.id, D.next_attempt_at == row.next_attempt_at, PENDING)
            .values(next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        if getattr(leased, "rowcount", 0) == 1:
            claimed.append(due)
    return claimed


async def delivered(session: AsyncSession, delivery_id: str, status: int) -> None:
    row = await session.get(D, delivery_id, with_for_update=True)
    if row is not None:
        row.attempts += 1
        row.delivered_at, row.last_status, row.last_error = now(), status, None


async def failed(
    session: AsyncSession,
    delivery_id: str,
    status: int | None,
    error: str,
    retry_at: datetime,
    max_attempts: int,
) -> bool:
    """Count a failed attempt; True when the delivery is now parked (never dropped)."""
    row = await session.get(D, delivery_id, with_for_update=True)
    if row is None:
        return False
    row.attempts += 1
    row.last_status, row.last_error, row.next_attempt_at = status, error[:2000], retry_at
    if row.attempts >= max_attempts:
        row.parked_at = now()
    return row.parked_at is not None


async def page(
    session: AsyncSession, status: Status | None, after: str | None, limit: int
) -> list[D]:
    query = select(D).order_by(D.id).limit(limit)
    if status is not None:
        query = query.where(WHERE[status])
    if after is not None:
        query = query.where(D.id > after)
    return list((await session.scalars(query)).all())


async def locked(session: AsyncSession, delivery_id: str) -> D | None:
    return await session.get(D, delivery_id, with_for_update=True)


def requeue(row: D) -> None:
    """A parked delivery back in the queue, due now, with a fresh attempt budget."""
    row.parked_at, row.attempts, row.next_attempt_at = None, 0, now()
