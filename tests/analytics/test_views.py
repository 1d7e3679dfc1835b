"""The analytics views agree with figures computed here, independently, from known rows; the
window is really applied (rows outside it never count). SQLite and PostgreSQL."""

import math
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.feedback.models import GenerationFeedback
from app.generation.models import Generation, PhaseTiming
from app.mixins.models import MixinOutcome

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
INSIDE = {"since": (NOW - timedelta(hours=1)).isoformat(), "until": NOW.isoformat()}


def nearest_rank(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(round(fraction * len(ordered), 9))) - 1]


def _generation(
    gid: str, at: datetime, nodes: list[dict[str, Any]], verify_ms: float
) -> Generation:
    return Generation(
        id=gid,
        correlation_id="c",
        project_name="p",
        prd_sha256="0" * 64,
        prd_text="x",
        options={},
        status="succeeded",
        node_count=len(nodes),
        timings_ms={"verify": verify_ms},
        result={"nodes": nodes},
        archive_sha256="0" * 64,
        created_at=at,
    )


@pytest.fixture
async def session(cleanup_engine: AsyncEngine, client: AsyncClient) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(cleanup_engine, expire_on_commit=False) as s:
        yield s


async def test_performance_percentiles_per_phase_and_kind_in_the_window(
    client: AsyncClient, session: AsyncSession
) -> None:
    rng = random.Random(7)
    analyse: list[float] = []
    effect: list[float] = []
    speedups: list[float] = []
    for i in range(40):
        inside = i % 4 != 0  # every fourth generation is two hours before the window
        at = NOW - timedelta(minutes=30) if inside else NOW - timedelta(hours=2)
        nodes = [
            {"name": f"n{i}_effect", "kind": "EFFECT"},
            {"name": f"n{i}_compute", "kind": "COMPUTE"},
        ]
        node_ms = [round(rng.uniform(10, 90), 3), round(rng.uniform(10, 90), 3)]
        wall = round(rng.uniform(30, 100), 3)
        session.add(_generation(f"g{i:03}", at, nodes, wall))
        await session.flush()
        ms = round(rng.uniform(1, 50), 3)
        session.add(PhaseTiming(generation_id=f"g{i:03}", phase="analyse", duration_ms=ms))
        for node, value in zip(nodes, node_ms, strict=True):
            session.add(
                PhaseTiming(
                    generation_id=f"g{i:03}",
                    phase="verify_package",
                    node_name=node["name"],
                    duration_ms=value,
                )
            )
        if inside:
            analyse.append(ms)
            effect.append(node_ms[0])
            speedups.append(round(sum(node_ms) / wall, 3))
    await session.commit()
    body = (await client.get("/analytics/performance", params=INSIDE)).json()
    assert body["generations"] == 30
    phase = next(p for p in body["phases"] if p["phase"] == "analyse")
    assert phase["count"] == 30
    for key, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        assert phase[key] == nearest_rank(analyse, fraction)
    kind = next(k for k in body["node_kinds"] if k["kind"] == "EFFECT")
    assert kind["count"] == 30 and kind["p95"] == nearest_rank(effect, 0.95)
    assert body["speedup"]["count"] == 30
    assert body["speedup"]["p50"] == nearest_rank(speedups, 0.5)


async def test_feedback_view_counts_only_the_window(
    client: AsyncClient, session: AsyncSession
) -> None:
    session.add(_generation("gf", NOW - timedelta(minutes=5), [], 1.0))
    await session.flush()
    answers = [(5, True, True), (4, True, False), (2, False, False), (5, True, True)]
    for rating, ran, useful in answers:
        session.add(
            GenerationFeedback(
                generation_id="gf",
                ran=ran,
                rating=rating,
                useful=useful,
                files={},
                created_at=NOW - timedelta(minutes=10),
            )
        )
    session.add(  # outside: a day earlier
        GenerationFeedback(
            generation_id="gf",
            ran=False,
            rating=1,
            useful=False,
            files={},
            created_at=NOW - timedelta(days=1),
        )
    )
    await session.commit()
    body = (await client.get("/analytics/feedback", params=INSIDE)).json()
    assert body["count"] == 4
    assert body["ratings"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    assert body["mean_rating"] == 4.0
    assert body["ran_rate"] == 0.75 and body["useful_rate"] == 0.5
    assert body["generations"] == 1


async def test_mixins_view_lists_low_compatibility_most_failures_first(
    client: AsyncClient, session: AsyncSession
) -> None:
    rows = [("a", 9, 1), ("b", 1, 9), ("c", 2, 5), ("d", 0, 3)]  # key, successes, failures
    for key, ok, bad in rows:
        session.add(
            MixinOutcome(
                mixin_key=key,
                n_mixins=1,
                node_kind="EFFECT",
                class_order="mixins_first",
                success_count=ok,
                failure_count=bad,
                framework_version="0.47.57",
                created_at=NOW - timedelta(minutes=20),
                updated_at=NOW - timedelta(minutes=20),
            )
        )
    await session.commit()
    body = (await client.get("/analytics/mixins", params={**INSIDE, "limit": 2})).json()
    assert body["kinds"] == [
        {
            "node_kind": "EFFECT",
            "compositions": 4,
            "observations": 30,
            "success_rate": round(12 / 30, 4),
        }
    ]
    assert body["total_low"] == 3  # b, c, d: below 0.5
    assert [r["mixin_key"] for r in body["low_compatibility"]] == ["b", "c"]
    later = {"since": NOW.isoformat(), "until": (NOW + timedelta(hours=1)).isoformat()}
    assert (await client.get("/analytics/mixins", params=later)).json()["kinds"] == []


async def test_a_reversed_window_is_422(client: AsyncClient) -> None:
    reversed_window = {"since": INSIDE["until"], "until": INSIDE["since"]}
    for view in ("performance", "feedback", "mixins", "patterns"):
        response = await client.get(f"/analytics/{view}", params=reversed_window)
        assert response.status_code == 422, view
        assert response.json()["error"] in ("invalid_window", "invalid_input")


async def test_windows_at_the_calendars_edges_are_422_not_500(client: AsyncClient) -> None:
    edges = [{"until": "0001-01-01T00:00:00Z"}, {"since": "9999-12-31T23:00:00-05:00"}]
    for params in edges:
        response = await client.get("/analytics/performance", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"] == "invalid_window"
    assert (await client.get("/analytics/feedback", params={"until": "0.5"})).status_code == 422
