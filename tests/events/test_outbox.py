"""The outbox as the embedded event log: record() joins the caller's transaction, GET /events
pages in order, parked events are listed and replayed, retention prunes, analytics windows."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import EventsSettings
from app.events import outbox
from app.events.models import OutboxEvent
from app.events.runtime import EventsRuntime
from app.logs import correlation_id
from tests.test_errors import assert_error_shape


def _sessions(app_state: dict[str, Any]) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = app_state["sessionmaker"]
    return sessionmaker


@pytest.fixture(autouse=True)
async def empty_outbox(client: AsyncClient, app_state: dict[str, Any]) -> AsyncIterator[None]:
    """The app records events of its own at start-up (the mixin advisor's measurements);
    the log shows events at once here (test_the_log_waits_for_events_to_settle: not at once)."""
    async with _sessions(app_state)() as session, session.begin():
        await session.execute(delete(OutboxEvent))
    events = app_state["settings"].events
    settle, events.log_settle_s = events.log_settle_s, 0.0
    yield
    events.log_settle_s = settle


async def _record(app_state: dict[str, Any], n: int, aggregate: str = "g-1") -> list[str]:
    async with _sessions(app_state)() as session, session.begin():
        return [
            await outbox.record(
                session, "generation.requested", aggregate, {"generation_id": aggregate, "i": i}
            )
            for i in range(n)
        ]


async def test_record_commits_and_rolls_back_with_the_callers_transaction(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    token = correlation_id.set("req-42")
    try:
        kept = await _record(app_state, 2)
    finally:
        correlation_id.reset(token)
    with pytest.raises(RuntimeError):
        async with _sessions(app_state)() as session, session.begin():
            await outbox.record(session, "generation.failed", "g-2", {"generation_id": "g-2",
                                                                       "error": "x"})  # fmt: skip
            raise RuntimeError("the change failed: its event goes with it")
    body = (await client.get("/events")).json()
    mine = [e for e in body["items"] if e["aggregate_id"] in ("g-1", "g-2")]  # not the app's
    assert [e["id"] for e in mine] == kept == sorted(kept)
    first = mine[0]
    assert first["type"] == "generation.requested" and first["aggregate_id"] == "g-1"
    assert first["correlation_id"] == "req-42" and first["schema_version"] == 1
    assert first["payload"] == {"generation_id": "g-1", "i": 0}  # extra fields are kept
    assert body["next_after"] == kept[-1]


async def test_a_payload_that_does_not_fit_its_type_is_refused(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    async with _sessions(app_state)() as session:
        with pytest.raises(ValidationError):
            await outbox.record(session, "generation.completed", "g", {"generation_id": "g"})


async def test_pages_follow_after_in_order(client: AsyncClient, app_state: dict[str, Any]) -> None:
    ids = await _record(app_state, 5, "a") + await _record(app_state, 3, "b")
    seen: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": 3, **({"after": after} if after else {})}
        page = (await client.get("/events", params=params)).json()
        if not page["items"]:
            break
        seen += [e["id"] for e in page["items"] if e["aggregate_id"] in ("a", "b")]
        after = page["next_after"]
    assert seen == ids
    assert (await client.get("/events", params={"limit": 0})).status_code == 422


async def test_parked_events_are_listed_and_replayed(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    parked, pending = await _record(app_state, 2)
    async with _sessions(app_state)() as session, session.begin():
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == parked)
            .values(attempts=8, parked_at=datetime.now(UTC), last_error="MaxPayloadError")
        )
    listed = (await client.get("/events/parked")).json()["items"]
    assert [p["event"]["id"] for p in listed] == [parked]
    assert listed[0]["delivery"]["attempts"] == 8
    assert listed[0]["delivery"]["last_error"] == "MaxPayloadError"
    replayed = await client.post(f"/events/parked/{parked}/replay")
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["delivery"]["parked_at"] is None
    assert replayed.json()["delivery"]["attempts"] == 0
    assert (await client.get("/events/parked")).json()["items"] == []
    for unknown in (parked, pending, "nope"):  # replayed, never parked, unknown
        response = await client.post(f"/events/parked/{unknown}/replay")
        assert response.status_code == 404
        assert_error_shape(response.json(), "event_not_parked")


async def test_retention_prunes_old_events_in_batches(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    ids = await _record(app_state, 5)
    old = datetime.now(UTC) - timedelta(days=10)
    async with _sessions(app_state)() as session, session.begin():
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_(ids[:3])).values(occurred_at=old)
        )
    # published ones, when a broker is configured (none of these is published yet)
    settings = EventsSettings(broker="nats://127.0.0.1:1", retention_days=7, prune_batch_size=2)
    brokered = EventsRuntime(settings, _sessions(app_state), dispatch=False)
    assert await brokered.prune() == 0
    async with _sessions(app_state)() as session, session.begin():
        await session.execute(
            update(OutboxEvent).where(OutboxEvent.id == ids[0]).values(published_at=old)
        )
    assert await brokered.prune() == 1
    # the embedded log: any unparked event that old
    embedded = EventsRuntime(settings.model_copy(update={"broker": None}), _sessions(app_state))
    assert await embedded.prune() == 2
    async with _sessions(app_state)() as session:
        left = (await session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id))).all()
    assert [i for i in left if i in ids] == ids[3:]


async def test_analytics_applies_its_window(client: AsyncClient, app_state: dict[str, Any]) -> None:
    ids = await _record(app_state, 4)
    now = datetime.now(UTC)
    async with _sessions(app_state)() as session, session.begin():
        for i, (event_id, age_h, latency_ms) in enumerate(
            zip(ids, (1, 2, 3, 50), (10, 20, 30, 40), strict=True)
        ):
            at = now - timedelta(hours=age_h)
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(
                    occurred_at=at,
                    published_at=None if i == 2 else at + timedelta(milliseconds=latency_ms),
                    attempts=i,
                    parked_at=at if i == 2 else None,
                )
            )
    body = (await client.get("/analytics/events")).json()  # the last 24 hours: 3 of 4
    # by type: the app may record events of its own meanwhile (mixins.outcome_recorded)
    overall = next(t for t in body["by_type"] if t["type"] == "generation.requested")
    assert (overall["published"], overall["parked"], overall["pending"]) == (2, 1, 0)
    assert overall["retries"] == 0 + 1 + 2 and overall["success_rate"] == round(2 / 3, 4)
    assert overall["p50_latency_ms"] == pytest.approx(15, abs=0.1)
    assert body["events"] >= 3 and body["overall"]["published"] >= 2
    since = (now - timedelta(hours=60)).isoformat()
    until = (now - timedelta(hours=1, minutes=30)).isoformat()
    narrow = await client.get("/analytics/events", params={"since": since, "until": until})
    assert narrow.json()["events"] == 3  # 2 h, 3 h and 50 h old (nothing else is that old)
    assert narrow.json()["overall"]["p95_latency_ms"] == pytest.approx(39, abs=0.1)
    backwards = await client.get("/analytics/events", params={"since": until, "until": since})
    assert backwards.status_code == 422
    for edge in ({"until": "0001-01-01T00:00:00Z"}, {"since": "9999-12-31T23:59:59-05:00"}):
        response = await client.get("/analytics/events", params=edge)
        assert response.status_code == 422, response.text
        assert_error_shape(response.json(), "invalid_window")


async def test_the_log_waits_for_events_to_settle(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    """An id is taken when the event is recorded; a transaction still open when a reader
    passes that id would commit behind the reader, so the log lists only settled events."""
    ids = await _record(app_state, 2)
    app_state["settings"].events.log_settle_s = 3600.0
    assert (await client.get("/events")).json() == {"items": [], "next_after": None}
    async with _sessions(app_state)() as session, session.begin():
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == ids[0])
            .values(occurred_at=datetime.now(UTC) - timedelta(hours=2))
        )
    assert [e["id"] for e in (await client.get("/events")).json()["items"]] == ids[:1]
