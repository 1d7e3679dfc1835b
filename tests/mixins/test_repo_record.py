"""Recording measured outcomes is one atomic upsert: concurrent recorders of the same
composition (two requests, two replicas) add up; none fails on the unique key."""

import asyncio

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.mixins import repo
from app.mixins.models import MixinOutcome

VERSION = "test-upsert"


def _seen(success: bool) -> repo.Observation:
    return repo.Observation("effect", "node_first", ("MixinB", "MixinA"), success, "run", None)


async def _record(engine: AsyncEngine, success: bool, source: str) -> None:
    async with AsyncSession(engine) as session, session.begin():
        await repo.record(session, [_seen(success)], framework_version=VERSION, source=source)


async def test_concurrent_recorders_add_up(migrated: str, cleanup_engine: AsyncEngine) -> None:
    try:
        await asyncio.gather(
            *(_record(cleanup_engine, i % 3 != 0, "oracle") for i in range(9)),
            _record(cleanup_engine, True, "baseline"),
        )
        async with AsyncSession(cleanup_engine) as session:
            rows = (
                await session.scalars(
                    select(MixinOutcome).where(MixinOutcome.framework_version == VERSION)
                )
            ).all()
        assert len(rows) == 1
        (row,) = rows
        assert row.mixin_key == "MixinA+MixinB"
        assert (row.success_count, row.failure_count) == (7, 3)
        assert row.source == "mixed"
    finally:
        async with cleanup_engine.begin() as connection:
            await connection.execute(
                delete(MixinOutcome).where(MixinOutcome.framework_version == VERSION)
            )


async def test_one_batch_groups_repeated_observations(
    migrated: str, cleanup_engine: AsyncEngine
) -> None:
    try:
        async with AsyncSession(cleanup_engine) as session, session.begin():
            seen = [_seen(True), _seen(False), _seen(True)]
            assert await repo.record(session, seen, framework_version=VERSION, source="oracle") == 3
        async with AsyncSession(cleanup_engine) as session:
            row = await session.scalar(
                select(MixinOutcome).where(MixinOutcome.framework_version == VERSION)
            )
        assert row is not None
        assert (row.success_count, row.failure_count, row.source) == (2, 1, "oracle")
    finally:
        async with cleanup_engine.begin() as connection:
            await connection.execute(
                delete(MixinOutcome).where(MixinOutcome.framework_version == VERSION)
            )
