"""Component checks behind /health and /health/ready; each is bounded in time."""

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.migrations import alembic_config
from app.storage import WriteFailures, storage_failure

Status = Literal["ok", "degraded", "down"]


@dataclass(frozen=True)
class ComponentHealth:
    status: Status
    latency_ms: float
    detail: str
    critical: bool = True


ComponentCheck = Callable[[], Awaitable[ComponentHealth]]


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def _current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def check_database(
    engine: AsyncEngine,
    heads: set[str],
    timeout_s: float,
    writes: WriteFailures | None = None,
    min_free_bytes: int = 0,
) -> ComponentHealth:
    """Reachable, at the schema head, and taking writes: `down` when the write probe fails
    (read-only file or server) or real writes failed within the window (disk full);
    `degraded` when SQLite's volume is nearly full."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                current = await connection.run_sync(_current_revisions)
                refused = await _write_probe(connection)
    except TimeoutError:
        return ComponentHealth("down", _ms(started), f"no answer within {timeout_s:g}s")
    except Exception as exc:
        return ComponentHealth("down", _ms(started), f"{type(exc).__name__}: {exc}"[:300])
    if current != heads:
        detail = f"schema at {sorted(current) or 'nothing'}, head is {sorted(heads)}"
        return ComponentHealth("down", _ms(started), detail)
    if refused:
        return ComponentHealth("down", _ms(started), f"writes refused: {refused}"[:300])
    if writes is not None and (failed := writes.recent()):
        detail = f"{failed} write(s) failed in the last {writes.window_s:g}s: {writes.last_error}"
        return ComponentHealth("down", _ms(started), detail[:300])
    free = _free_bytes(engine)
    if free is not None and free < min_free_bytes:
        mib = free / 2**20
        detail = f"{mib:.1f} MiB free on the database's volume (want {min_free_bytes / 2**20:g})"
        return ComponentHealth("degraded", _ms(started), detail)
    detail = f"reachable, writable, schema at {', '.join(sorted(heads))}"
    return ComponentHealth("ok", _ms(started), detail)


async def _write_probe(connection: AsyncConnection) -> str | None:
    """Why this database refuses writes, or None. PostgreSQL: a standby or a read-only default;
    SQLite: a no-op UPDATE, rolled back (fails on a read-only file; lock contention is not a
    refusal, and waits at most 0.2 s)."""
    if connection.dialect.name == "postgresql":
        row = (
            await connection.execute(
                text("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
            )
        ).one()
        if row[0]:
            return "the server is a standby (in recovery)"
        return "transactions are read-only" if row[1] == "on" else None
    if connection.dialect.name != "sqlite":
        return None
    await connection.rollback()
    busy_ms = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    await connection.exec_driver_sql("PRAGMA busy_timeout = 200")
    try:
        await connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except DBAPIError as exc:
        return None if storage_failure(exc) == "busy" else str(exc.orig)
    finally:
        await connection.rollback()
        await connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_ms)}")
    return None


def _free_bytes(engine: AsyncEngine) -> int | None:
    """Free bytes on the SQLite file's volume (None for a server database or in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database.removeprefix("file:"))
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


def overall(components: dict[str, ComponentHealth]) -> Status:
    if any(c.status == "down" and c.critical for c in components.values()):
        return "down"
    if any(c.status != "ok" for c in components.values()):
        return "degraded"
    return "ok"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def check_flag(
    probe: Callable[[], bool],
    ok_detail: str,
    critical: bool = True,
    why: Callable[[], str] | None = None,
) -> ComponentHealth:
    """A component whose health is an in-process flag (a worker pool alive, a model loaded);
    `why` says what is wrong when it is not."""
    started = time.perf_counter()
    healthy = probe()
    status: Status = "ok" if healthy else ("down" if critical else "degraded")
    detail = ok_detail if healthy else (why() if why else "not available")
    return ComponentHealth(status, _ms(started), detail, critical)


async def check_state(
    probe: Callable[[], Status], detail: Callable[[], str], critical: bool = True
) -> ComponentHealth:
    """A component that says itself how it is (`ok`, `degraded`, `down`) and why."""
    started = time.perf_counter()
    return ComponentHealth(probe(), _ms(started), detail(), critical)
