"""app/mixins emits its events through the outbox: measured outcomes in their own transaction,
a trained model once it is saved."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.events import emit
from app.events.models import OutboxEvent
from app.mixins import repo
from app.mixins.models import MixinOutcome

VERSION = "test-events"


@pytest.fixture
async def sessions(
    migrated: str, cleanup_engine: AsyncEngine
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield async_sessionmaker(cleanup_engine, expire_on_commit=False)
    async with cleanup_engine.begin() as connection:
        await connection.execute(delete(OutboxEvent).where(OutboxEvent.aggregate_id.in_(
            [VERSION, "mixins.model"])))  # fmt: skip
        await connection.execute(
            delete(MixinOutcome).where(MixinOutcome.framework_version == VERSION)
        )


async def _events(sessions: async_sessionmaker[AsyncSession], aggregate: str) -> list[OutboxEvent]:
    async with sessions() as session:
        query = select(OutboxEvent).where(OutboxEvent.aggregate_id == aggregate)
        return list((await session.scalars(query.order_by(OutboxEvent.id))).all())


def _seen(mixins: tuple[str, ...], success: bool) -> repo.Observation:
    return repo.Observation("effect", "node_first", mixins, success, "run", None)


async def test_recorded_outcomes_emit_one_event_in_their_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    seen = [_seen(("MixinA",), True), _seen(("MixinA",), False), _seen(("MixinB",), True)]
    async with sessions() as session, session.begin():
        await repo.record(session, seen, framework_version=VERSION, source="oracle")
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await repo.record(session, seen[:1], framework_version=VERSION, source="oracle")
            raise RuntimeError("rolled back: no outcome, no event")
    (event,) = await _events(sessions, VERSION)
    assert event.type == "mixins.outcome_recorded"
    assert event.payload == {"source": "oracle", "framework_version": VERSION,
                             "observations": 3, "compositions": 2}  # fmt: skip


async def test_a_trained_model_emits_its_event(sessions: async_sessionmaker[AsyncSession]) -> None:
    meta = {"model_version": "20261126-abc123", "framework_version": VERSION,
            "n_outcomes": 42, "trained_at": "2026-11-26T17:00:00Z", "metrics": {"auc": 0.9},
            "columns": ["x"]}  # fmt: skip
    event_id = await emit.mixin_model_trained(sessions, meta)
    (event,) = await _events(sessions, "mixins.model")
    assert event.id == event_id and event.type == "mixins.model_trained"
    assert event.payload["version"] == "20261126-abc123" and event.payload["samples"] == 42
    assert "columns" not in event.payload
