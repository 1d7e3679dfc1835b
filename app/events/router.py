"""GET /events (the embedded event log), parked events and their replay, and
GET /analytics/events. Reading the log needs the `generate` scope (its consumers are the
integrations that request generations); parked events and replays need `admin`; the analytics
need `feedback`, like the other /analytics routes."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.auth.guard import auth_errors, requires
from app.config import Settings
from app.db import SessionDep, as_utc
from app.errors import error_responses
from app.events import service
from app.events.analytics import event_analytics
from app.events.errors import BadWindow
from app.events.schemas import EventAnalytics, EventPage, ParkedEvent, ParkedList
from app.timestamps import IsoDatetime

router = APIRouter(tags=["events"])
ADMIN = [requires("admin")]
EventId = Annotated[str, Query(max_length=36, description="an event id (UUIDv7)")]


@router.get(
    "/events",
    dependencies=[requires("generate")],
    responses=error_responses(422, *auth_errors("generate")),
)
async def events(
    request: Request,
    session: SessionDep,
    after: EventId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    """Events in the order they were recorded, after the event id `after` (none: from the
    oldest kept), once they are `events.log_settle_s` old (so that no transaction still open
    can commit one behind the reader). With no broker configured this log is how consumers
    read events; with one it shows the outbox (published or not)."""
    settings: Settings = request.state.settings
    return await service.page(session, after, limit, settings.events.log_settle_s)


@router.get("/events/parked", dependencies=ADMIN, responses=error_responses(*auth_errors("admin")))
async def parked(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> ParkedList:
    """Events the broker rejected `events.max_attempts` times: no longer retried, never
    dropped; their later events of the same aggregate are published meanwhile."""
    return await service.parked(session, limit)


@router.post(
    "/events/parked/{event_id}/replay",
    dependencies=ADMIN,
    responses=error_responses(404, 422, *auth_errors("admin")),
)
async def replay(session: SessionDep, event_id: str) -> ParkedEvent:
    """Queue a parked event again with a fresh attempt budget."""
    return await service.replay(session, event_id)


@router.get(
    "/analytics/events",
    tags=["analytics"],
    dependencies=[requires("feedback")],  # like the other /analytics routes
    responses=error_responses(422, *auth_errors("feedback")),
)
async def analytics(
    session: SessionDep, since: IsoDatetime | None = None, until: IsoDatetime | None = None
) -> EventAnalytics:
    """Event-processing health of the events committed in [since, until) (default: the last
    24 hours): published, pending, parked, failed attempts (retries), success rate and p50/p95
    commit-to-broker-ack latency, per event type and overall."""
    try:  # a date at the edge of the calendar (year 1, 9999) has no UTC or no day before it
        end = as_utc(until) if until else datetime.now(UTC)
        start = as_utc(since) if since else end - timedelta(days=1)
    except OverflowError as exc:
        raise BadWindow(str(since), str(until)) from exc
    if start >= end:
        raise BadWindow(start.isoformat(), end.isoformat())
    return await event_analytics(session, start, end)
