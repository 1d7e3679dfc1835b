"""Fault tests against the real NATS JetStream (127.0.0.1:4222; `make test` starts it): nothing
is lost while the broker is unreachable, a dispatcher killed with SIGKILL mid-dispatch loses
nothing, and two dispatchers on one PostgreSQL never publish the same event."""

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import PROJECT_ROOT, Settings
from app.db import create_engine, create_sessionmaker
from app.events.broker import JetStreamPublisher
from app.events.dispatcher import Dispatcher
from app.events.models import OutboxEvent
from app.events.schemas import envelope
from app.migrations import upgrade
from app.models_registry import import_all
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


def report(line: str) -> None:
    """A measurement, shown with `pytest -s`."""
    sys.stderr.write(f"\n[events] {line}\n")


pytestmark = pytest.mark.skipif(not nats_running(), reason="no nats-server at 127.0.0.1:4222")
POSTGRES_URL = os.environ.get("CODEGEN_TEST_POSTGRES_URL")


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


def _in_order(messages: list, ids: list[str]) -> None:  # type: ignore[type-arg]
    """Every event on the stream exactly once, and each aggregate's events in recorded order
    (events the app under test recorded meanwhile may be on the stream too)."""
    on_stream = [m.event_id for m in messages]
    twice = {i: n for i, n in Counter(on_stream).items() if n > 1}
    assert not twice, f"{len(twice)} events on the stream more than once"
    wanted = set(ids)
    assert sorted(i for i in on_stream if i in wanted) == sorted(ids), "events missing"
    by_aggregate: dict[str, list[str]] = {}
    for m in messages:
        by_aggregate.setdefault(m.aggregate_id, []).append(m.event_id)
    assert all(seq == sorted(seq) for seq in by_aggregate.values()), "out of aggregate order"


async def test_broker_unreachable_loses_nothing_and_resends_are_dropped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    up = events_settings(batch_size=50)
    down = up.model_copy(update={"broker": f"nats://127.0.0.1:{free_port()}",
                                 "publish_timeout_s": 0.3, "breaker_threshold": 3})  # fmt: skip
    unreachable = JetStreamPublisher(down)
    dispatcher = Dispatcher(down, sessions, unreachable)
    task = asyncio.create_task(dispatcher.run())
    try:
        ids = await produce(sessions, 1000, aggregates=100)
        while unreachable.state != "opened":  # the breaker opens after 3 failures in a row
            assert not task.done()
            await asyncio.sleep(0.05)
        assert await pending(sessions, mine=True) == 1000  # nothing published, nothing lost
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await unreachable.close()
    publisher = JetStreamPublisher(up)
    acks: list[tuple[str, bool]] = []
    try:
        # a crash after JetStream's ack but before the commit: these 100 get sent again
        async with sessions() as session:
            rows = [await session.get_one(OutboxEvent, i) for i in ids[:100]]
        for row in rows:
            await publisher.publish(row.id, row.type, envelope(row))
        recovered = Dispatcher(up, sessions, publisher, on_publish=lambda i, d: acks.append((i, d)))
        task = asyncio.create_task(recovered.run())
        took = await wait_until_published(sessions, timeout_s=40)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        messages = await read_stream(up)
        _in_order(messages, ids)
        resent = sum(duplicate for _, duplicate in acks)
        report(f"broker back: 1000 events published in {took:.2f} s; {resent} re-sends "
               "dropped by JetStream, 0 duplicates on the stream")  # fmt: skip
        mine = set(ids)
        assert resent == 100 and len([i for i, _ in acks if i in mine]) == 1000
    finally:
        await publisher.close()
        await delete_stream(up)


def _worker(settings: Settings, events: dict[str, object]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CODEGEN_DATABASE__URL": settings.database.url,
        "CODEGEN_LOG__LEVEL": "WARNING",
    }
    env.update({f"CODEGEN_EVENTS__{k.upper()}": str(v) for k, v in events.items()})
    return subprocess.Popen(
        [sys.executable, "-m", "app.events.worker"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


async def test_a_dispatcher_killed_mid_dispatch_loses_nothing(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    up = events_settings(batch_size=20)
    fields = {k: getattr(up, k) for k in ("broker", "stream", "subject_prefix", "batch_size")}
    ids = await produce(sessions, 4000, aggregates=200, per_commit=500)
    worker = _worker(settings, fields)
    try:
        while (
            left := await pending(sessions, mine=True)
        ) > 3000:  # a quarter dispatched: kill it now
            assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        left = await pending(sessions, mine=True)
        assert 0 < left < 4000, "the kill did not land mid-dispatch"
        on_stream = len(await read_stream(up))
        worker = _worker(settings, fields)  # the restart
        took = await wait_until_published(sessions, timeout_s=40)
        _in_order(await read_stream(up), ids)
        report(f"SIGKILL with {left} of 4000 pending ({on_stream} on the stream); after the "
               f"restart all 4000 on the stream once each, in {took:.2f} s")  # fmt: skip
    finally:
        worker.kill()
        worker.wait(10)
        await delete_stream(up)


@pytest.fixture
async def postgres() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """PostgreSQL only (one run, not per backend): `CODEGEN_TEST_POSTGRES_URL`."""
    if not POSTGRES_URL:
        pytest.skip("CODEGEN_TEST_POSTGRES_URL not set (`make test` sets it up)")
    import_all()
    await asyncio.to_thread(upgrade, POSTGRES_URL)
    settings = Settings()
    settings.database.url = POSTGRES_URL
    engine = create_engine(settings.database)
    sessionmaker = create_sessionmaker(engine)
    await clear_outbox(sessionmaker)
    yield sessionmaker
    await clear_outbox(sessionmaker)
    await engine.dispose()


async def test_two_dispatchers_on_postgresql_never_publish_the_same_event(
    postgres: async_sessionmaker[AsyncSession],
) -> None:
    up = events_settings(concurrency=2)  # batches of 10; two in flight per dispatcher
    ids = await produce(postgres, 10_000, aggregates=2000, per_commit=1000)
    published: list[list[str]] = [[], []]
    runners: list[tuple[Dispatcher, JetStreamPublisher, AsyncEngine]] = []
    for mine in published:
        engine = create_engine(Settings().database.model_copy(update={"url": POSTGRES_URL}))
        publisher = JetStreamPublisher(up)
        hook = lambda event_id, _dup, mine=mine: mine.append(event_id)  # noqa: E731
        runners.append(
            (Dispatcher(up, create_sessionmaker(engine), publisher, hook), publisher, engine)
        )
    tasks = [asyncio.create_task(d.run()) for d, _, _ in runners]
    try:
        took = await wait_until_published(postgres, timeout_s=55)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for _, publisher, engine in runners:
            await publisher.close()
            await engine.dispose()
    try:
        a, b = (set(p) for p in published)
        assert len(a) == len(published[0]) and len(b) == len(published[1])
        assert not a & b, f"{len(a & b)} events published by both dispatchers"
        assert a | b >= set(ids)
        assert a and b, "one dispatcher did all the work: they did not run concurrently"
        _in_order(await read_stream(up), ids)
        rate = 10_000 / took
        report(f"two dispatchers x 2 batches in flight, 10,000 events in {took:.2f} s "
               f"({rate:.0f}/s): {len(a)} + {len(b)}, none by both, none missing")  # fmt: skip
    finally:
        await delete_stream(up)
