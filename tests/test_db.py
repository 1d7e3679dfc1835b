"""The engine factory: SQLite as the embedded default runs with a write-ahead log."""

from pathlib import Path

from sqlalchemy import text

from app.config import DatabaseSettings
from app.db import create_engine


async def test_sqlite_runs_with_a_write_ahead_log(tmp_path: Path) -> None:
    engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'wal.db'}"))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as connection:
            mode = await connection.scalar(text("PRAGMA journal_mode"))
            synchronous = await connection.scalar(text("PRAGMA synchronous"))
    finally:
        await engine.dispose()
    assert mode == "wal"
    assert synchronous == 2  # FULL: every commit is synced
