"""The event log, parked events and replays (what the routes do)."""

from datetime import timedelta

from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from app.events import repo
from app.events.errors import EventNotParked
from app.events.models import OutboxEvent
from app.events.schemas import Delivery, Event, EventPage, ParkedEvent, ParkedList, envelope

_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def _event(row: OutboxEvent) -> Event:
    return _EVENT.validate_python(envelope(row))


def _parked(row: OutboxEvent) -> ParkedEvent:
    delivery = Delivery.model_validate(row, from_attributes=True)
    return ParkedEvent(event=_event(row), delivery=delivery)


async def page(session: AsyncSession, after: str | None, limit: int, settle_s: float) -> EventPage:
    """Events after `after`, recorded at least `settle_s` ago: an event whose transaction is
    still open has an id already, and would otherwise commit behind a reader's cursor."""
    rows = await repo.after(session, after, limit, repo.now() - timedelta(seconds=settle_s))
    return EventPage(items=[_event(r) for r in rows], next_after=rows[-1].id if rows else after)


async def parked(session: AsyncSession, limit: int) -> ParkedList:
    return ParkedList(items=[_parked(r) for r in await repo.parked(session, limit)])


async def replay(session: AsyncSession, event_id: str) -> ParkedEvent:
    row = await repo.replay(session, event_id)
    if row is None:
        raise EventNotParked(event_id)
    return _parked(row)
