"""Retention on a full-size database: N generations of ~110 KB of files each (30 files), all past
the age limit, pruned in batches; prints the time, the rate and what storage was freed.

    .venv/bin/python scripts/bench_retention.py [N] [DATABASE_URL]

Default: 500 generations on a fresh SQLite file in a temporary folder."""

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import DatabaseSettings, RetentionSettings
from app.db import create_engine, create_sessionmaker
from app.generation.models import Artifact, Generation
from app.generation.retention import prune
from app.migrations import upgrade

FILES, FILE_BYTES = 30, 3_700  # ~110 KB per generation, as measured in issue 11


def _row(n: int, now: datetime) -> dict[str, object]:
    result = {"analysis": {"title": "t", "summary": "", "requirement_count": 0, "kinds": []}}
    return {
        "id": f"{n:032x}", "correlation_id": f"c{n}", "project_name": f"p{n}",
        "prd_sha256": "0" * 64, "prd_text": "# PRD", "options": {}, "status": "unverified",
        "node_count": 0, "timings_ms": {}, "result": {**result, "nodes": []},
        "archive_sha256": "0" * 64, "error": None, "created_at": now - timedelta(days=60),
    }  # fmt: skip


async def _size(engine: AsyncEngine, url: str) -> str:
    async with engine.connect() as c:
        if url.startswith("sqlite"):
            pages = (await c.execute(text("PRAGMA page_count"))).scalar_one()
            free = (await c.execute(text("PRAGMA freelist_count"))).scalar_one()
            return f"{pages * 4096 / 2**20:.1f} MiB file, {free * 4096 / 2**20:.1f} MiB free pages"
        size = (await c.execute(text("SELECT pg_total_relation_size('artifacts')"))).scalar_one()
        return f"artifacts table {size / 2**20:.1f} MiB (before VACUUM)"


async def main(n: int, url: str) -> None:
    engine = create_engine(DatabaseSettings(url=url))
    now = datetime.now(UTC)
    content = "x" * FILE_BYTES
    async with engine.begin() as c:
        for start in range(0, n, 100):
            rows = [_row(i, now) for i in range(start, min(n, start + 100))]
            await c.execute(insert(Generation), rows)
            files = [
                {"generation_id": r["id"], "path": f"f{j}", "sha256": "0" * 64, "content": content}
                for r in rows
                for j in range(FILES)
            ]
            await c.execute(insert(Artifact), files)
    print(f"seeded {n} generations x {FILES} files: {await _size(engine, url)}")
    settings = RetentionSettings(max_age_days=30, max_generations_with_files=0)
    started = time.perf_counter()
    report = await prune(create_sessionmaker(engine), settings)
    took = time.perf_counter() - started
    print(
        f"pruned {report.generations} generations ({report.files} files) in {report.batches} "
        f"batches of {settings.batch_size}: {took:.2f} s, {report.generations / took:.0f}/s, "
        f"{took / report.batches * 1000:.0f} ms per batch transaction"
    )
    async with engine.connect() as c:
        kept = (await c.execute(select(func.count()).select_from(Generation))).scalar_one()
    print(f"generations rows kept: {kept}; {await _size(engine, url)}")
    await engine.dispose()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    if len(sys.argv) > 2:
        database = sys.argv[2]
    else:
        database = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    upgrade(database)
    asyncio.run(main(count, database))
