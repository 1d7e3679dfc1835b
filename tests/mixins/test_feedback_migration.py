"""Migration 0004 takes what feedback had added to the measured counts back out of them: rows
made by feedback alone go, mixed rows keep only their measurements, reports stay as reports."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import resolve_url
from app.migrations import downgrade, upgrade

NOW = datetime(2026, 11, 26, tzinfo=UTC)
# (key, successes, failures, source) as the old code left them: feedback counted in
SEEDED = [("A+B", 3, 0, "oracle"), ("A+C", 0, 6, "feedback"), ("A+D", 4, 6, "mixed"),
          ("A+E", 2, 0, "baseline")]  # fmt: skip
OUTCOME = text(
    "INSERT INTO mixin_outcomes (mixin_key, n_mixins, node_kind, class_order, success_count, "
    "failure_count, source, framework_version, created_at, updated_at) VALUES "
    "(:k, 2, 'effect', 'node_first', :s, :f, :src, 'v1', :t, :t)"
)
FEEDBACK = text(
    "INSERT INTO mixin_feedback (mixin_key, node_kind, class_order, success, framework_version, "
    "created_at) VALUES (:k, 'effect', 'node_first', :ok, 'v1', :t)"
)


async def _seed_and_read(url: str, phase: str) -> dict[str, tuple[int, int, str]]:
    engine = create_async_engine(resolve_url(url))
    try:
        async with engine.begin() as c:
            if phase == "seed":
                for k, s, f, src in SEEDED:
                    await c.execute(OUTCOME, {"k": k, "s": s, "f": f, "src": src, "t": NOW})
                # six failure reports on the measured-compatible A+D, six on unmeasured A+C
                for k in ["A+C"] * 6 + ["A+D"] * 6:
                    await c.execute(FEEDBACK, {"k": k, "ok": False, "t": NOW})
                return {}
            rows = await c.execute(
                text("SELECT mixin_key, success_count, failure_count, source FROM mixin_outcomes")
            )
            out = {k: (s, f, src) for k, s, f, src in rows}
            reports = await c.execute(
                text("SELECT COUNT(*) FROM mixin_feedback WHERE source = 'user'")
            )
            out["reports"] = (int(reports.scalar_one()), 0, "user")
            await c.execute(text("DELETE FROM mixin_feedback"))
            await c.execute(text("DELETE FROM mixin_outcomes"))
            return out
    finally:
        await engine.dispose()


def test_feedback_counts_leave_the_measured_outcomes(migrated: str) -> None:
    downgrade(migrated, "0003")
    try:
        asyncio.run(_seed_and_read(migrated, "seed"))
    finally:
        upgrade(migrated)
    after = asyncio.run(_seed_and_read(migrated, "read"))
    assert after == {
        "A+B": (3, 0, "oracle"),  # untouched
        "A+D": (4, 0, "mixed"),  # the six reports taken back out: measured compatible again
        "A+E": (2, 0, "baseline"),
        "reports": (12, 0, "user"),  # every report kept, as a user report
    }
