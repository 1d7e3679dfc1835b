"""The active per-pattern thresholds: versioned in `pattern_thresholds`, read by generation.

`ThresholdStore.active()` (generation's `ThresholdSource`) answers only the TUNED thresholds,
pattern -> threshold of each active row; patterns without one stay on
`app.analysis.patterns.DEFAULT_THRESHOLDS` (the caller applies those). It is cached for
`feedback.thresholds_ttl_s`: every replica reads the same database, so all of them use a new
version within that many seconds; the process that writes one invalidates its cache at once.

History: applying a threshold adds version n+1 (active) and deactivates the one it replaces
(`previous_id`), in one transaction; rollback deactivates the active version and re-activates
its `previous_id` (none: the pattern is back on its default). Concurrent writers are serialised
per pattern: an asyncio lock in the process, plus `pg_advisory_xact_lock` on PostgreSQL for
other replicas (SQLite has one writer at a time anyway); the unique (pattern, version)
constraint is the backstop (a writer that hits it, or SQLite's lock, retries). A writer
re-reads the active version under the lock, so a tuning decided against a version someone else
replaced since is not applied.
"""

import asyncio
import logging
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events import outbox
from app.feedback.models import PatternThreshold

log = logging.getLogger(__name__)
_T = TypeVar("_T")
RETRIES = 4


@dataclass(frozen=True)
class Rollback:
    pattern: str
    rolled_back: PatternThreshold  # the version deactivated
    restored: PatternThreshold | None  # the version active again (None: the default)


class ThresholdStore:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: dict[str, float] | None = None
        self._read_at = 0.0
        self._reading = asyncio.Lock()
        self._writing: dict[str, asyncio.Lock] = {}

    async def active(self) -> Mapping[str, float]:
        """pattern -> threshold of every active (tuned) version; defaults are not included."""
        if self._cache is not None and self.clock() - self._read_at < self.ttl_s:
            return self._cache
        async with self._reading:
            if self._cache is not None and self.clock() - self._read_at < self.ttl_s:
                return self._cache
            try:
                async with self.sessionmaker() as session:
                    rows = await active_rows(session)
            except Exception:
                if self._cache is None:
                    raise
                log.warning("thresholds: reading failed; keeping the last ones read", exc_info=True)
                return self._cache
            self._cache = {row.pattern: row.threshold for row in rows.values()}
            self._read_at = self.clock()
            return self._cache

    def invalidate(self) -> None:
        self._cache = None

    async def apply(
        self, pattern: str, threshold: float, figures: dict[str, Any], expected_id: int | None
    ) -> PatternThreshold | None:
        """Make `threshold` the active version n+1, if the active version is still
        `expected_id` (None: none active); else change nothing and answer None."""

        async def write(session: AsyncSession) -> PatternThreshold | None:
            active = (await active_rows(session, pattern)).get(pattern)
            if (active.id if active else None) != expected_id:
                return None
            last = await session.scalar(
                select(func.max(PatternThreshold.version)).where(
                    PatternThreshold.pattern == pattern
                )
            )
            if active is not None:
                active.active = False
                await session.flush()
            row = PatternThreshold(
                pattern=pattern,
                version=(last or 0) + 1,
                threshold=threshold,
                active=True,
                previous_id=active.id if active else None,
                figures=figures,
            )
            session.add(row)
            await session.flush()
            change = {"patterns": [pattern], "threshold": threshold, "version": row.version}
            await outbox.record(session, "patterns.tuned", "patterns", change)
            return row

        return await self._serialised(pattern, write)

    async def rollback(self, pattern: str) -> Rollback | None:
        """Deactivate the active version and re-activate its previous one; None when the
        pattern has no active version (nothing to roll back)."""

        async def write(session: AsyncSession) -> Rollback | None:
            active = (await active_rows(session, pattern)).get(pattern)
            if active is None:
                return None
            active.active = False
            await session.flush()
            restored = None
            if active.previous_id is not None:
                restored = await session.get(PatternThreshold, active.previous_id)
                if restored is not None:
                    restored.active = True
            back = {
                "patterns": [pattern],
                "rolled_back_version": active.version,
                "version": restored.version if restored else None,
            }
            await outbox.record(session, "patterns.tuned", "patterns", back)
            return Rollback(pattern, active, restored)

        return await self._serialised(pattern, write)

    async def _serialised(self, pattern: str, write: Callable[[AsyncSession], Awaitable[_T]]) -> _T:
        """`write` in one transaction, under the pattern's locks. A writer that lost a race
        the locks do not cover (another process on SQLite: a stale read, or the unique
        version) is retried: it then reads the winner's version."""
        async with self._writing.setdefault(pattern, asyncio.Lock()):
            try:
                for attempt in range(RETRIES):
                    try:
                        async with self.sessionmaker() as session, session.begin():
                            await _lock(session, pattern)
                            return await write(session)
                    except (IntegrityError, OperationalError):
                        if attempt == RETRIES - 1:
                            raise
                        log.info("thresholds: %s lost a concurrent write; retrying", pattern)
                        await asyncio.sleep(0.05 * (attempt + 1))
                raise AssertionError("unreachable")
            finally:
                self.invalidate()

    async def history(self, session: AsyncSession) -> dict[str, list[PatternThreshold]]:
        """pattern -> every version, oldest first."""
        rows = await session.scalars(
            select(PatternThreshold).order_by(PatternThreshold.pattern, PatternThreshold.version)
        )
        out: dict[str, list[PatternThreshold]] = {}
        for row in rows:
            out.setdefault(row.pattern, []).append(row)
        return out


async def active_rows(
    session: AsyncSession, pattern: str | None = None
) -> dict[str, PatternThreshold]:
    query = select(PatternThreshold).where(PatternThreshold.active.is_(True))
    if pattern is not None:
        query = query.where(PatternThreshold.pattern == pattern)
    # should two versions ever be active, the newest wins
    rows = await session.scalars(query.order_by(PatternThreshold.version))
    return {row.pattern: row for row in rows}


async def _lock(session: AsyncSession, pattern: str) -> None:
    """PostgreSQL: hold the pattern's advisory lock until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"pattern_thresholds:{pattern}".encode())
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
