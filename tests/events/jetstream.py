"""Test helpers for the real NATS JetStream at 127.0.0.1:4222: a stream and subject prefix of
their own per test, every message read back by `Nats-Msg-Id`, the stream deleted afterwards."""

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import EventsSettings
from app.events import outbox
from app.events.models import OutboxEvent
from app.events.repo import PENDING

NATS_URL = "nats://127.0.0.1:4222"
PREFIX = "agg-"  # the aggregates `produce` records events for


def nats_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 4222), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def events_settings(**changes: object) -> EventsSettings:
    tag = uuid.uuid4().hex[:12]
    base = {"broker": NATS_URL, "stream": f"CODEGEN_T{tag}", "subject_prefix": f"t{tag}.codegen"}
    fast = {"publish_timeout_s": 1.0, "breaker_reset_s": 0.5, "backoff_base_s": 0.01}
    return EventsSettings.model_validate({**base, **fast, **changes})


@dataclass
class Message:
    event_id: str
    aggregate_id: str
    subject: str


async def read_stream(settings: EventsSettings) -> list[Message]:
    """Every message on the test's stream, in stream order."""
    nc = await nats.connect(NATS_URL)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(settings.stream)).state.messages
        sub = await js.pull_subscribe(
            f"{settings.subject_prefix}.>",
            stream=settings.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE),
        )
        found: list[Message] = []
        while len(found) < total:
            for m in await sub.fetch(min(1000, total - len(found)), timeout=5):
                assert m.headers is not None
                body = json.loads(m.data)
                found.append(Message(m.headers["Nats-Msg-Id"], body["aggregate_id"], m.subject))
        return found
    finally:
        await nc.close()


async def delete_stream(settings: EventsSettings) -> None:
    nc = await nats.connect(NATS_URL)
    try:
        await nc.jetstream().delete_stream(settings.stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await nc.close()


async def produce(
    sessionmaker: async_sessionmaker[AsyncSession], n: int, aggregates: int, per_commit: int = 100
) -> list[str]:
    """`n` mixins.outcome_recorded events over `aggregates` aggregates, `per_commit` a commit."""
    ids: list[str] = []
    for start in range(0, n, per_commit):
        async with sessionmaker() as session, session.begin():
            for i in range(start, min(n, start + per_commit)):
                payload = {"source": "test", "framework_version": "t", "observations": i,
                           "compositions": 1}  # fmt: skip
                ids.append(
                    await outbox.record(
                        session, "mixins.outcome_recorded", f"{PREFIX}{i % aggregates}", payload
                    )
                )
        await asyncio.sleep(0)
    return ids


async def pending(sessionmaker: async_sessionmaker[AsyncSession], mine: bool = False) -> int:
    """Pending events (`mine`: only those `produce` made; the app under test, when it runs in
    the same test session, may record events of its own in the same database)."""
    query = select(func.count()).where(PENDING)
    if mine:
        query = query.where(OutboxEvent.aggregate_id.like(f"{PREFIX}%"))
    async with sessionmaker() as session:
        return int(await session.scalar(query) or 0)


async def wait_until_published(
    sessionmaker: async_sessionmaker[AsyncSession], timeout_s: float
) -> float:
    """Poll until no event is pending; the seconds it took (fails after `timeout_s`)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while await pending(sessionmaker):
        if loop.time() - started > timeout_s:
            left = await pending(sessionmaker)
            pytest.fail(f"{left} events still pending after {timeout_s} s")
        await asyncio.sleep(0.05)
    return loop.time() - started


async def clear_outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(OutboxEvent))


async def stream_fixture(settings: EventsSettings) -> AsyncIterator[EventsSettings]:
    try:
        yield settings
    finally:
        await delete_stream(settings)
