"""Retention of generations' files: a generation older than `retention.max_age_days`, or beyond
the newest `retention.max_generations_with_files`, loses its files (the `artifacts` rows, which
are also its archive); its `generations` row stays, marked `files_pruned_at` in `result`, so
`GET /generations/{id}` still answers and the archive is 410 `files_pruned`.

Pruning runs in bounded batches (one transaction per `batch_size` generations, never one huge
DELETE), in the service every `retention.interval_s` (`Retention`), and once with `make prune`
(`python -m app.generation.retention`)."""

import asyncio
import contextlib
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import RetentionSettings
from app.generation.models import Artifact, Generation
from app.storage import WriteFailures, storage_failure

log = logging.getLogger(__name__)
PRUNED = "files_pruned_at"


@dataclass
class PruneReport:
    generations: int = 0
    files: int = 0
    batches: int = 0


def pruned_at(generation: Generation) -> datetime | None:
    """When this generation's files were pruned (None while it has them)."""
    value = (generation.result or {}).get(PRUNED)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _with_files() -> Any:
    return exists().where(Artifact.generation_id == Generation.id)


def _too_old(cutoff: datetime, limit: int) -> Select[str]:
    return (
        select(Generation.id)
        .where(Generation.created_at < cutoff, _with_files())
        .order_by(Generation.created_at, Generation.id)
        .limit(limit)
    )


def _beyond_newest(keep: int, limit: int) -> Select[str]:
    return (
        select(Generation.id)
        .where(_with_files())
        .order_by(Generation.created_at.desc(), Generation.id.desc())
        .offset(keep)
        .limit(limit)
    )


async def _prune_batch(session: AsyncSession, ids: list[str], now: datetime) -> int:
    removed = await session.execute(delete(Artifact).where(Artifact.generation_id.in_(ids)))
    rows = await session.execute(
        select(Generation.id, Generation.result).where(Generation.id.in_(ids))
    )
    marks = [{"id": gid, "result": {**result, PRUNED: now.isoformat()}} for gid, result in rows]
    await session.execute(update(Generation), marks)
    return int(getattr(removed, "rowcount", 0) or 0)


async def prune(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: RetentionSettings,
    now: datetime | None = None,
) -> PruneReport:
    """Prune every generation past the age or count limit, `batch_size` per transaction."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=settings.max_age_days)
    batch = max(1, settings.batch_size)
    queries: list[Select[str]] = []
    if settings.max_age_days > 0:
        queries.append(_too_old(cutoff, batch))
    if settings.max_generations_with_files > 0:
        queries.append(_beyond_newest(settings.max_generations_with_files, batch))
    report = PruneReport()
    for query in queries:
        while True:
            async with sessionmaker() as session, session.begin():
                ids = list(await session.scalars(query))
                if not ids:
                    break
                report.files += await _prune_batch(session, ids, now)
            report.generations += len(ids)
            report.batches += 1
            await asyncio.sleep(0)  # let requests run between batches
    if report.generations:
        log.info(
            "retention pruned the files of %d generations (%d files, %d batches)",
            report.generations,
            report.files,
            report.batches,
        )
    return report


class Retention:
    """The background pruning loop: one run at start, then every `interval_s`; an error is
    logged (and a storage failure remembered for /health) and the next tick tries again."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: RetentionSettings,
        writes: WriteFailures | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.writes = writes
        self.runs = 0
        self.failures = 0
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="retention")

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def tick(self) -> PruneReport | None:
        try:
            report = await prune(self.sessionmaker, self.settings)
        except Exception as exc:
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if self.writes is not None and storage_failure(exc) == "unavailable":
                self.writes.record(exc)
            log.warning("retention run failed (retrying next tick): %s", self.last_error)
            return None
        finally:
            self.runs += 1
        self.last_error = None
        return report

    async def _loop(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.settings.interval_s)


async def _main() -> None:
    from app.config import Settings
    from app.db import create_engine, create_sessionmaker

    settings = Settings()
    engine = create_engine(settings.database)
    try:
        report = await prune(create_sessionmaker(engine), settings.retention)
    finally:
        await engine.dispose()
    sys.stdout.write(
        f"pruned the files of {report.generations} generations "
        f"({report.files} files, {report.batches} batches)\n"
    )


if __name__ == "__main__":
    asyncio.run(_main())
