"""Delivery rules against the real NATS JetStream: a poison event is parked after
`max_attempts` without opening the breaker, its aggregate's later events wait for it and then
go; /health's outbox component; the dispatcher's metrics."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.events import outbox
from app.events.broker import JetStreamPublisher
from app.events.dispatcher import Dispatcher
from app.events.models import OutboxEvent
from app.events.runtime import EventsRuntime
from tests.events.jetstream import (
    clear_outbox,
    delete_stream,
    events_settings,
    free_port,
    nats_running,
    pending,
    produce,
    read_stream,
    wait_until_published,
)

pytestmark = pytest.mark.skipif(not nats_running(), reason="no nats-server at 127.0.0.1:4222")


@pytest.fixture
async def sessions(
    settings: Settings, migrated: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database)
    sessionmaker = create_sessionmaker(engine)
    await clear_outbox(sessionmaker)
    yield sessionmaker
    await clear_outbox(sessionmaker)
    await engine.dispose()


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_poison_event_is_parked_and_holds_its_aggregate_until_then(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = events_settings(max_attempts=3, backoff_base_s=0.01, backoff_max_s=0.05)
    big = {"generation_id": "g", "blob": "x" * (2 * 1024 * 1024)}  # over NATS' max payload
    async with sessions() as session, session.begin():
        poison = await outbox.record(session, "generation.requested", "A", big)
        after = await outbox.record(session, "generation.completed", "A",
                                    {"generation_id": "g", "status": "ok"})  # fmt: skip
        other = await outbox.record(session, "generation.requested", "B", {"generation_id": "h"})
    rejected = _sample("codegen_events_publish_attempts_total", outcome="rejected")
    publisher = JetStreamPublisher(settings)
    task = asyncio.create_task(Dispatcher(settings, sessions, publisher).run())
    try:
        await wait_until_published(sessions, timeout_s=20)
        assert publisher.state == "closed"  # the broker's refusal of one event is not an outage
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await publisher.close()
    try:
        async with sessions() as session:
            parked = await session.get_one(OutboxEvent, poison)
            later = await session.get_one(OutboxEvent, after)
        assert parked.parked_at is not None and parked.published_at is None
        assert parked.attempts == 3 and "MaxPayloadError" in (parked.last_error or "")
        assert later.published_at is not None and later.published_at >= parked.parked_at
        assert _sample("codegen_events_publish_attempts_total", outcome="rejected") >= rejected + 3
        mine = {poison, after, other}
        on_stream = [m.event_id for m in await read_stream(settings) if m.event_id in mine]
        assert sorted(on_stream) == sorted([after, other])
    finally:
        await delete_stream(settings)


async def test_health_is_down_while_the_breaker_is_open(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = events_settings(broker=f"nats://127.0.0.1:{free_port()}", publish_timeout_s=0.2,
                               breaker_threshold=2, breaker_reset_s=30)  # fmt: skip
    runtime = EventsRuntime(settings, sessions, prune=False)
    assert runtime.health()[0] == "ok"
    runtime.start()
    try:
        await produce(sessions, 5, aggregates=5)
        for _ in range(200):  # up to 10 s: two 0.2 s connection timeouts open the breaker
            if runtime.health()[0] == "down":
                break
            await asyncio.sleep(0.05)
        status, detail = runtime.health()
        assert status == "down" and "breaker opened" in detail, detail
    finally:
        await runtime.close()
    embedded = EventsRuntime(settings.model_copy(update={"broker": None}), sessions)
    assert embedded.health()[0] == "ok" and "event log" in embedded.health()[1]


async def test_dispatch_metrics_are_on_metrics(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    settings = events_settings()
    sessions: async_sessionmaker[AsyncSession] = app_state["sessionmaker"]
    published = _sample("codegen_events_publish_attempts_total", outcome="published")
    batches = _sample("codegen_events_batch_size_count")
    await produce(sessions, 30, aggregates=3)
    publisher = JetStreamPublisher(settings)
    dispatcher = Dispatcher(settings, sessions, publisher)
    try:
        while (await dispatcher.dispatch_once()).claimed:
            pass
        await dispatcher._refresh_gauges(force=True)
    finally:
        await publisher.close()
        await delete_stream(settings)
    # at least: the app may record events of its own meanwhile, published with these
    assert _sample("codegen_events_publish_attempts_total", outcome="published") >= published + 30
    assert _sample("codegen_events_batch_size_count") >= batches + 3
    assert _sample("codegen_events_outbox_lag_seconds") == 0.0
    text = (await client.get("/metrics")).text
    for name in ("batch_size_bucket", "publish_latency_seconds_bucket", "outbox_lag_seconds",
                 "parked", "publish_failures_total"):  # fmt: skip
        assert f"codegen_events_{name}" in text


async def test_a_full_batch_committed_here_is_dispatched_before_the_batch_timeout(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The runtime's dispatcher is woken by commits in this process (outbox.record's
    after-commit hook): 10 events in one commit fill a batch, so they do not wait the 30 s
    batch timeout; a partial batch does wait for it."""
    settings = events_settings(batch_size=10, batch_timeout_ms=30_000)
    runtime = EventsRuntime(settings, sessions, prune=False)
    runtime.start()
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(0.5)  # the dispatcher's first (empty) claim, then it waits
        started = loop.time()
        ids = await produce(sessions, 10, aggregates=10)
        took = await wait_until_published(sessions, timeout_s=20)
        assert took < 15, (
            f"a full batch waited {took:.1f} s: the commit did not wake the dispatcher"
        )
        await produce(sessions, 3, aggregates=3)  # a partial batch: held for the timeout
        await asyncio.sleep(1)
        assert await pending(sessions, mine=True) == 3
        assert {m.event_id for m in await read_stream(settings)} >= set(ids)
        assert loop.time() - started < 30
    finally:
        await runtime.close()
        await delete_stream(settings)
