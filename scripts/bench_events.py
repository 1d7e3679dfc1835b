"""Events dispatched to the real NATS JetStream at 127.0.0.1:4222 (its own stream, deleted after):

1. throughput: N events committed first, then one dispatcher publishes them all; events/s
   at the default batch (events.batch_size 10) and at 100;
2. latency: events committed one per transaction at RATE/s for SECONDS while the dispatcher
   runs in the same process; p50/p95/max from each commit's return to JetStream's ack.

    .venv/bin/python scripts/bench_events.py [DATABASE_URL]

Default: a fresh SQLite file in a temporary folder (a PostgreSQL URL is used as it is, after
its outbox is emptied)."""

import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nats
import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import DatabaseSettings, EventsSettings
from app.db import create_engine, create_sessionmaker
from app.events import outbox
from app.events.broker import JetStreamPublisher
from app.events.dispatcher import Dispatcher
from app.events.models import OutboxEvent
from app.migrations import upgrade
from app.models_registry import import_all

N, RATE, SECONDS, AGGREGATES = 20_000, 500, 10, 1000
PAYLOAD = {"source": "bench", "framework_version": "b", "observations": 1, "compositions": 1}


def _settings(batch_size: int) -> EventsSettings:
    tag = uuid.uuid4().hex[:10]
    return EventsSettings(broker="nats://127.0.0.1:4222", stream=f"BENCH_{tag}",
                          subject_prefix=f"bench{tag}.codegen", batch_size=batch_size)  # fmt: skip


async def _drop_stream(settings: EventsSettings) -> None:
    nc = await nats.connect(settings.broker or "")
    try:
        await nc.jetstream().delete_stream(settings.stream)
    finally:
        await nc.close()


async def _produce(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    for start in range(0, n, 1000):
        async with sessions() as session, session.begin():
            for i in range(start, min(n, start + 1000)):
                await outbox.record(session, "mixins.outcome_recorded", f"a{i % AGGREGATES}",
                                    PAYLOAD)  # fmt: skip


async def throughput(sessions: async_sessionmaker[AsyncSession], batch_size: int) -> float:
    settings = _settings(batch_size)
    await _produce(sessions, N)
    publisher = JetStreamPublisher(settings)
    dispatcher = Dispatcher(settings, sessions, publisher)
    try:
        await publisher.publish("warm-up", "mixins.outcome_recorded", {})  # connect, declare
        started = time.perf_counter()
        done = 0
        while batch := (await dispatcher.dispatch_once()).claimed:
            done += batch
        elapsed = time.perf_counter() - started
    finally:
        await publisher.close()
        await _drop_stream(settings)
    assert done == N, f"{done} of {N} dispatched"
    return N / elapsed


async def _commit_one(
    sessions: async_sessionmaker[AsyncSession], n: int, committed: dict[str, float]
) -> None:
    async with sessions() as session, session.begin():
        event_id = await outbox.record(
            session, "mixins.outcome_recorded", f"a{n % AGGREGATES}", PAYLOAD
        )
    committed[event_id] = time.time()


async def latency(sessions: async_sessionmaker[AsyncSession], url: str) -> list[float]:
    """The dispatcher runs as `make worker` does, in its own process (sharing this loop with
    500 producers a second would measure the producers); each event's ack time is its
    `published_at`, stamped once its batch's acks are in, before the commit."""
    settings = _settings(10)
    committed: dict[str, float] = {}
    env = {**os.environ, "CODEGEN_DATABASE__URL": url, "CODEGEN_LOG__LEVEL": "WARNING",
           "CODEGEN_EVENTS__BROKER": settings.broker or "",
           "CODEGEN_EVENTS__STREAM": settings.stream,
           "CODEGEN_EVENTS__SUBJECT_PREFIX": settings.subject_prefix}  # fmt: skip
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.events.worker", env=env
    )
    sqlite = url.startswith("sqlite")
    try:
        await asyncio.sleep(3)  # the worker's start-up (imports, connection, stream)
        started = time.perf_counter()
        producers = []
        for n in range(RATE * SECONDS):  # open loop: one commit every 1/RATE s
            await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
            if sqlite:  # one writer at a time: as many commits a second as the file takes
                await _commit_one(sessions, n, committed)
            else:
                producers.append(asyncio.create_task(_commit_one(sessions, n, committed)))
        await asyncio.gather(*producers)
        offered = len(committed) / (time.perf_counter() - started)
        acked: dict[str, float] = {}
        for _ in range(600):
            async with sessions() as session:
                rows = await session.execute(
                    select(OutboxEvent.id, OutboxEvent.published_at).where(
                        OutboxEvent.published_at.is_not(None)
                    )
                )
                acked = {i: p.timestamp() for i, p in rows.all()}
            if acked.keys() >= committed.keys():
                break
            await asyncio.sleep(0.1)
    finally:
        worker.terminate()
        await worker.wait()
        await _drop_stream(settings)
    print(f"  committed {offered:.0f} events/s for {SECONDS} s, one event per transaction")
    return [(acked[i] - t) * 1000 for i, t in committed.items()]


async def main(url: str) -> None:
    engine = create_engine(DatabaseSettings(url=url))
    sessions = create_sessionmaker(engine)
    backend = engine.url.get_backend_name()
    try:
        for batch_size in (10, 100):
            async with sessions() as session, session.begin():
                await session.execute(delete(OutboxEvent))
            rate = await throughput(sessions, batch_size)
            print(f"events dispatched to NATS ({backend}, batch {batch_size}): {rate:.0f}/s")
        async with sessions() as session, session.begin():
            await session.execute(delete(OutboxEvent))
        ms = await latency(sessions, url)
        p50, p95 = np.percentile(ms, [50, 95])
        print(f"commit-to-broker-ack at {RATE}/s ({backend}, batch 10, 100 ms): "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(ms):.1f} ms")  # fmt: skip
        async with sessions() as session, session.begin():
            await session.execute(delete(OutboxEvent))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    database = sys.argv[1] if len(sys.argv) > 1 else None
    if database is None:
        database = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    import_all()
    upgrade(database)
    asyncio.run(main(database))
