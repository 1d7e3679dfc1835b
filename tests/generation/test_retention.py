"""Retention on known data (SQLite and PostgreSQL): generations past the age or count limit lose
their files in bounded batches, newer ones keep them, the metadata stays, and the archive says
410 files_pruned; the background loop survives a failing run and stops cleanly."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from httpx import AsyncClient
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.config import DatabaseSettings, RetentionSettings
from app.db import create_engine, create_sessionmaker
from app.generation.models import Artifact, Generation
from app.generation.retention import Retention, prune

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FILES_PER_GENERATION = 3


def _generation(n: int, age_days: float) -> dict[str, object]:
    return {
        "id": f"{n:032x}",
        "correlation_id": f"c{n}",
        "project_name": f"p{n}",
        "prd_sha256": "0" * 64,
        "prd_text": "# PRD",
        "options": {"project_name": f"p{n}", "verify": False},
        "status": "unverified",
        "node_count": 0,
        "timings_ms": {"analyse": 1.0},
        "result": {
            "analysis": {"title": "t", "summary": "s", "requirement_count": 0, "kinds": []},
            "nodes": [],
        },
        "archive_sha256": "a" * 64,
        "error": None,
        "created_at": NOW - timedelta(days=age_days),
    }


async def _seed(engine: AsyncEngine, ages: list[float]) -> list[str]:
    rows = [_generation(n, age) for n, age in enumerate(ages)]
    files = [
        {"generation_id": row["id"], "path": f"p/f{i}.py", "sha256": "0" * 64, "content": "x"}
        for row in rows
        for i in range(FILES_PER_GENERATION)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(Generation), rows)
        await connection.execute(insert(Artifact), files)
    return [str(row["id"]) for row in rows]


async def _files_by_generation(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(Artifact.generation_id, func.count()).group_by(Artifact.generation_id)
        )
        return {gid: n for gid, n in rows.all()}  # noqa: C416 - rows, not pairs


async def test_old_generations_lose_files_and_keep_metadata(
    client: AsyncClient, cleanup_engine: AsyncEngine
) -> None:
    ids = await _seed(cleanup_engine, [45, 31, 40, 29, 1, 0.5])  # 0, 1, 2 are past 30 days
    settings = RetentionSettings(max_age_days=30, max_generations_with_files=0, batch_size=2)

    report = await prune(create_sessionmaker(cleanup_engine), settings, now=NOW)

    assert (report.generations, report.files, report.batches) == (3, 9, 2)
    assert await _files_by_generation(cleanup_engine) == dict.fromkeys(ids[3:], 3)
    for gid in ids[:3]:
        read = await client.get(f"/generations/{gid}")
        assert read.status_code == 200, read.text
        assert read.json()["files_pruned_at"] == NOW.isoformat().replace("+00:00", "Z")
        assert read.json()["project_files"] == {}
        archive = await client.get(f"/generations/{gid}/archive")
        assert archive.status_code == 410, archive.text
        assert archive.json()["error"] == "files_pruned"
        assert archive.json()["generation_id"] == gid
    for gid in ids[3:]:
        assert (await client.get(f"/generations/{gid}")).json()["files_pruned_at"] is None
        assert (await client.get(f"/generations/{gid}/archive")).status_code == 200
    listing = (await client.get("/generations", params={"limit": 100})).json()
    assert listing["total"] == len(ids)
    again = await prune(create_sessionmaker(cleanup_engine), settings, now=NOW)
    assert again.generations == 0  # idempotent: pruned ones have nothing left to prune


async def test_only_the_newest_n_keep_their_files(
    client: AsyncClient, cleanup_engine: AsyncEngine
) -> None:
    ids = await _seed(cleanup_engine, [5, 4, 3, 2, 1])
    settings = RetentionSettings(max_age_days=0, max_generations_with_files=2, batch_size=1)

    report = await prune(create_sessionmaker(cleanup_engine), settings, now=NOW)

    assert (report.generations, report.batches) == (3, 3)
    assert await _files_by_generation(cleanup_engine) == {ids[3]: 3, ids[4]: 3}
    assert (await client.get(f"/generations/{ids[0]}/archive")).status_code == 410
    assert (await client.get(f"/generations/{ids[4]}/archive")).status_code == 200


async def test_the_loop_survives_a_failing_run_and_stops_cleanly(tmp_path: Path) -> None:
    engine = create_engine(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path}/no_tables.db"))
    sessionmaker: async_sessionmaker = create_sessionmaker(engine)  # type: ignore[type-arg]
    retention = Retention(sessionmaker, RetentionSettings(interval_s=0.01))
    retention.start()
    try:
        async with asyncio.timeout(10):
            # no tables: every run fails, and the loop goes on
            while retention.failures < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    finally:
        await retention.close()
        await engine.dispose()
    assert retention.last_error is not None and "no such table" in retention.last_error
    assert retention._task is not None and retention._task.done()
