"""The one way to emit a domain event: `record` adds it to the caller's own session, so the
event commits (or rolls back) with the change it describes.

    from app.events import outbox

    async with sessionmaker() as session, session.begin():
        session.add(generation)
        await outbox.record(
            session, "generation.completed", generation.id,
            {"generation_id": generation.id, "status": "succeeded"},
        )

`type` is one of `schemas.EventType`; `payload` is validated against `schemas.PAYLOADS[type]`
(a model instance or a mapping); `aggregate_id` orders delivery: the events of one aggregate
are published in the order they were recorded. Returns the event id (UUIDv7).
"""

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from uuid6 import uuid7

from app.events.models import OutboxEvent
from app.events.schemas import PAYLOADS, EventType
from app.logs import correlation_id

SCHEMA_VERSION = 1
_COUNT = "outbox_recorded"


class Wakeup:
    """Committed events since the dispatcher last looked: a batch that fills up is dispatched
    at once instead of after the batch timeout (events committed by other processes are found
    by the dispatcher's poll)."""

    def __init__(self) -> None:
        self.count = 0
        self.changed = asyncio.Event()

    def add(self, n: int) -> None:
        self.count += n
        self.changed.set()


_listeners: set[tuple[asyncio.AbstractEventLoop, Wakeup]] = set()


def subscribe(wakeup: Wakeup) -> None:
    _listeners.add((asyncio.get_running_loop(), wakeup))


def unsubscribe(wakeup: Wakeup) -> None:
    _listeners.difference_update({x for x in _listeners if x[1] is wakeup})


def _committed(session: Session) -> None:
    n = session.info.pop(_COUNT, 0)
    for loop, wakeup in list(_listeners):
        if not loop.is_closed():
            loop.call_soon_threadsafe(wakeup.add, n)


def _rolled_back(session: Session) -> None:
    session.info.pop(_COUNT, None)


def new_event(
    type: EventType, aggregate_id: str, payload: BaseModel | Mapping[str, Any]
) -> OutboxEvent:
    model = PAYLOADS[type]
    body = model.model_validate(payload.model_dump() if isinstance(payload, BaseModel) else payload)
    now = datetime.now(UTC)
    return OutboxEvent(
        id=str(uuid7()),
        type=type,
        schema_version=SCHEMA_VERSION,
        occurred_at=now,
        correlation_id=correlation_id.get(),
        aggregate_id=aggregate_id,
        payload=body.model_dump(mode="json"),
        attempts=0,
        next_attempt_at=now,
    )


async def record(
    session: AsyncSession,
    type: EventType,
    aggregate_id: str,
    payload: BaseModel | Mapping[str, Any],
) -> str:
    """Add one event to `session` (committed with the caller's transaction); its id."""
    row = new_event(type, aggregate_id, payload)
    session.add(row)
    sync = session.sync_session
    if _COUNT not in sync.info:
        sync.info[_COUNT] = 0
        event.listen(sync, "after_commit", _committed, once=True)
        event.listen(sync, "after_rollback", _rolled_back, once=True)
    sync.info[_COUNT] += 1
    return row.id


async def record_alone(
    sessionmaker: async_sessionmaker[AsyncSession],
    type: EventType,
    aggregate_id: str,
    payload: BaseModel | Mapping[str, Any],
) -> str:
    """An event about a change that is not in the database (a model file): its own commit."""
    async with sessionmaker() as session, session.begin():
        return await record(session, type, aggregate_id, payload)
