"""Component checks behind /health and /health/ready; each is bounded in time."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.migrations import alembic_config

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


async def check_database(engine: AsyncEngine, heads: set[str], timeout_s: float) -> ComponentHealth:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                current = await connection.run_sync(_current_revisions)
    except TimeoutError:
        return ComponentHealth("down", _ms(started), f"no answer within {timeout_s:g}s")
    except Exception as exc:
        return ComponentHealth("down", _ms(started), f"{type(exc).__name__}: {exc}"[:300])
    if current != heads:
        detail = f"schema at {sorted(current) or 'nothing'}, head is {sorted(heads)}"
        return ComponentHealth("down", _ms(started), detail)
    return ComponentHealth("ok", _ms(started), f"reachable, schema at {', '.join(sorted(heads))}")


def overall(components: dict[str, ComponentHealth]) -> Status:
    if any(c.status == "down" and c.critical for c in components.values()):
        return "down"
    if any(c.status != "ok" for c in components.values()):
        return "degraded"
    return "ok"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def check_flag(
    probe: Callable[[], bool], ok_detail: str, critical: bool = True
) -> ComponentHealth:
    """A component whose health is an in-process flag (a worker pool alive, a model loaded)."""
    started = time.perf_counter()
    healthy = probe()
    status: Status = "ok" if healthy else ("down" if critical else "degraded")
    detail = ok_detail if healthy else "not available"
    return ComponentHealth(status, _ms(started), detail, critical)
