"""POST /patterns/tune, GET /patterns/thresholds, rollback, and the ThresholdStore generation
reads: a wrong default is raised and validated, a right one is kept, history is versioned."""

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select

from app.feedback.models import PatternFeedback, PatternThreshold
from app.feedback.thresholds import ThresholdStore
from tests.feedback.generations import store_generation
from tests.test_errors import assert_error_shape

T0 = datetime(2026, 3, 1, tzinfo=UTC)
# the default 0.5 is wrong for kind.effect: everything emitted at 0.52-0.58 was incorrect
WRONG_DEFAULT = [
    ("incorrect", True, 0.52),
    ("correct", True, 0.72),
    ("incorrect", True, 0.55),
    ("correct", True, 0.8),
    ("incorrect", True, 0.58),
    ("correct", True, 0.9),
]
# ... and right for kind.compute: what was not emitted was rightly not, the rest was right
RIGHT_DEFAULT = [("correct", False, 0.3), ("correct", True, 0.6), ("correct", False, 0.4),
                 ("correct", True, 0.8), ("correct", False, 0.45),
                 ("correct", True, 0.7)]  # fmt: skip


async def add_feedback(
    app_state: dict[str, Any],
    pattern: str,
    specs: Sequence[tuple[str, bool, float]],
    repeat: int,
    start: datetime = T0,
) -> None:
    """Rows as POST /feedback/patterns stores them, with chosen confidences and times."""
    generation_id = await store_generation(app_state["sessionmaker"])
    async with app_state["sessionmaker"]() as session, session.begin():
        for i in range(repeat * len(specs)):
            verdict, emitted, confidence = specs[i % len(specs)]
            session.add(PatternFeedback(
                generation_id=generation_id, detection_id=pattern, pattern=pattern,
                verdict=verdict, requirement_ids=[], source="user", weight=1.0,
                confidence=confidence, emitted=emitted, created_at=start + timedelta(minutes=i),
            ))  # fmt: skip


async def tune(client: AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.post("/patterns/tune")
    assert response.status_code == 200, response.text
    return {d["pattern"]: d for d in response.json()["decisions"]}


async def listing(client: AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get("/patterns/thresholds")
    assert response.status_code == 200, response.text
    return {p["pattern"]: p for p in response.json()["patterns"]}


async def test_a_wrong_default_is_tuned_and_a_right_one_kept(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    await add_feedback(app_state, "kind.effect", WRONG_DEFAULT, 10)
    await add_feedback(app_state, "kind.compute", RIGHT_DEFAULT, 10)
    await add_feedback(app_state, "kind.reducer", [("missed", False, 0.4)], 5)  # too few
    decisions = await tune(client)
    effect = decisions["kind.effect"]
    assert effect["applied"] and effect["version"] == 1, effect
    assert effect["current"] == 0.5 and 0.58 < effect["proposed"] <= 0.72
    validation = effect["figures"]["validation"]
    assert validation["after"]["f1"] > validation["before"]["f1"]
    assert validation["before"]["n"] + effect["figures"]["tuning"]["before"]["n"] == 60
    compute = decisions["kind.compute"]
    assert not compute["applied"] and compute["version"] is None
    assert not decisions["kind.reducer"]["applied"] and decisions["kind.reducer"]["figures"] is None

    shown = await listing(client)
    assert shown["kind.effect"]["threshold"] == effect["proposed"]
    assert shown["kind.effect"]["default"] == 0.5 and shown["kind.effect"]["history"] == 1
    active = shown["kind.effect"]["active"]
    assert active["version"] == 1 and active["figures"] == effect["figures"]
    assert shown["kind.compute"]["active"] is None and shown["kind.compute"]["threshold"] == 0.5
    # what generation reads
    assert await app_state["thresholds"].active() == {"kind.effect": effect["proposed"]}

    # tuning again on the same feedback changes nothing: the tuned threshold is best now
    again = await tune(client)
    assert not again["kind.effect"]["applied"]
    assert again["kind.effect"]["current"] == effect["proposed"]
    assert (await listing(client))["kind.effect"]["history"] == 1


async def test_rollback_restores_the_previous_version_then_the_default(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    store: ThresholdStore = app_state["thresholds"]
    first = await store.apply("kind.effect", 0.6, {}, expected_id=None)
    assert first is not None
    second = await store.apply("kind.effect", 0.7, {}, expected_id=first.id)
    assert second is not None and second.version == 2 and second.previous_id == first.id
    assert await store.active() == {"kind.effect": 0.7}

    url = "/patterns/thresholds/kind.effect/rollback"
    response = await client.post(url)
    assert response.status_code == 200, response.text
    assert response.json() == {"pattern": "kind.effect", "rolled_back_version": 2,
                               "active_version": 1, "threshold": 0.6}  # fmt: skip
    assert await store.active() == {"kind.effect": 0.6}
    shown = (await listing(client))["kind.effect"]
    assert shown["active"]["version"] == 1 and shown["history"] == 2

    response = await client.post(url)
    assert response.json()["active_version"] is None and response.json()["threshold"] == 0.5
    assert await store.active() == {}

    response = await client.post(url)
    assert response.status_code == 409
    assert_error_shape(response.json(), "nothing_to_roll_back")
    response = await client.post("/patterns/thresholds/kind.nothing/rollback")
    assert response.status_code == 404
    assert_error_shape(response.json(), "pattern_not_found")


async def test_concurrent_writers_leave_one_active_version(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    # two replicas (two stores) apply against the same active version at once: one wins
    stores = [ThresholdStore(app_state["sessionmaker"], 2.0) for _ in range(2)]
    results = await asyncio.gather(
        *(s.apply("flow", t, {}, None) for s, t in zip(stores, (0.2, 0.3), strict=True))
    )
    assert sum(r is not None for r in results) == 1
    async with app_state["sessionmaker"]() as session:
        rows = list(await session.scalars(select(PatternThreshold)))
    assert [(r.version, r.active) for r in rows] == [(1, True)]


async def test_every_replica_sees_a_new_version_within_the_ttl(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    now = [0.0]
    reader = ThresholdStore(app_state["sessionmaker"], 2.0, clock=lambda: now[0])
    writer = ThresholdStore(app_state["sessionmaker"], 2.0)
    assert await reader.active() == {}
    assert await writer.apply("lifecycle", 0.4, {}, None) is not None
    now[0] = 1.0
    assert await reader.active() == {}  # cached, another replica wrote
    now[0] = 2.5
    assert await reader.active() == {"lifecycle": 0.4}


async def test_concurrent_tunes_apply_once(client: AsyncClient, app_state: dict[str, Any]) -> None:
    await add_feedback(app_state, "kind.effect", WRONG_DEFAULT, 10)
    answers = await asyncio.gather(*(client.post("/patterns/tune") for _ in range(3)))
    assert [a.status_code for a in answers] == [200] * 3
    effect = [
        next(d for d in a.json()["decisions"] if d["pattern"] == "kind.effect") for a in answers
    ]
    assert sum(d["applied"] for d in effect) == 1, [d["reason"] for d in effect]
    shown = (await listing(client))["kind.effect"]
    assert shown["history"] == 1 and shown["active"]["version"] == 1
