"""Alembic is the only way the schema changes: up, down to base, and up again must all work."""

import asyncio

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import resolve_url
from app.migrations import downgrade, upgrade

CORE_TABLES = {"generations", "artifacts", "phase_timings"}


def _tables(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_async_engine(resolve_url(url))
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        await engine.dispose()
        return set(names)

    return asyncio.run(run())


def test_upgrade_downgrade_upgrade(migrated: str) -> None:
    assert _tables(migrated) >= CORE_TABLES
    downgrade(migrated, "base")
    assert _tables(migrated) <= {"alembic_version"}
    upgrade(migrated)
    assert _tables(migrated) >= CORE_TABLES
