"""SQLAlchemy base with a naming convention, engine factory and the per-request session."""

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session

from app.config import PROJECT_ROOT, DatabaseSettings
from app.storage import WriteFailures

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend: SQLite stores no zone and reads back
    naive values, which are UTC (they were written as UTC); PostgreSQL's are converted."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def resolve_url(url: str) -> str:
    """Make a relative SQLite path absolute (against the project root) and create its folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return url
    if parsed.database.startswith("file:"):  # a URI (`?mode=ro&uri=true`): used as written
        return url
    path = Path(parsed.database)
    if not path.is_absolute():
        path = PROJECT_ROOT / path
    path.parent.mkdir(parents=True, exist_ok=True)
    return parsed.set(database=str(path)).render_as_string(hide_password=False)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    url = resolve_url(settings.url)
    kwargs: dict[str, Any] = {"echo": settings.echo, "pool_pre_ping": True}
    if make_url(url).get_backend_name() == "postgresql":
        kwargs["pool_size"] = settings.pool_size
        kwargs["connect_args"] = {"timeout": settings.connect_timeout_s}
        return create_async_engine(url, **kwargs)
    kwargs["connect_args"] = {"timeout": settings.connect_timeout_s}
    kwargs["pool_pre_ping"] = False  # a file cannot go away like a server: no ping per checkout
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Write-ahead log: readers never wait for the writer (a sweep CLI may write while the
    service runs), and a commit appends to the log instead of creating, syncing and deleting
    a journal file. Commits stay fully synced."""
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # a read-only file still reads; writes fail, and the health check's probe says so
    finally:
        cursor.close()


class WritingSession(Session):
    """A session that notes whether it wrote (an ORM flush or an INSERT/UPDATE/DELETE), so that
    a committed write can tell /health that storage takes writes again."""


@event.listens_for(WritingSession, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info["wrote"] = True


@event.listens_for(WritingSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=WritingSession)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    async with sessionmaker() as session:
        async with session.begin():
            yield session
        failures: WriteFailures | None = getattr(request.state, "write_failures", None)
        if failures is not None and session.info.get("wrote"):
            failures.clear()  # a write was committed: storage takes writes again


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
