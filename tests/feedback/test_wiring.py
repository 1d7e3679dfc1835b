"""The feedback capability as generation sees it: the VerdictSink in the generation's own
transaction, the summary in GET /generations/{id}, verdicts on a real generation's detections,
and Idempotency-Keys scoped per API key in keys mode."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select

from app.auth import keys
from app.auth.guard import AuthService
from app.config import AuthSettings
from app.feedback.models import PatternFeedback
from app.generation.verdicts import AutomatedVerdict, VerdictSink
from tests.feedback.generations import sample_detections, store_generation

ORDER_PRD = (Path(__file__).parents[1] / "generation" / "fixtures" / "order_service.md").read_text()


async def _stored(app_state: dict[str, Any], generation_id: str) -> list[PatternFeedback]:
    async with app_state["sessionmaker"]() as session:
        query = select(PatternFeedback).where(PatternFeedback.generation_id == generation_id)
        return list((await session.scalars(query.order_by(PatternFeedback.id))).all())


async def test_sink_adds_automated_rows_in_the_callers_transaction(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    sink: VerdictSink = app_state["verdict_sink"]
    generation_id = await store_generation(app_state["sessionmaker"])
    detections = sample_detections()
    verdicts = [
        AutomatedVerdict("operation:order_effect.create_order", "operation.create", "incorrect",
                         "the package failed its checks"),
        AutomatedVerdict("kind.reducer", "kind.reducer", "missed", ""),
        AutomatedVerdict("finding:gone", "finding.uncovered_requirement", "correct", "FR-7"),
    ]  # fmt: skip
    async with app_state["sessionmaker"]() as session:
        await sink.record_automated(session, generation_id, detections, verdicts)
        await session.flush()
        await session.rollback()  # the caller's transaction failed: nothing stays
    assert await _stored(app_state, generation_id) == []
    async with app_state["sessionmaker"]() as session, session.begin():
        await sink.record_automated(session, generation_id, detections, verdicts)
    rows = await _stored(app_state, generation_id)
    assert [(r.detection_id, r.verdict) for r in rows] == [
        (v.detection_id, v.verdict) for v in verdicts
    ]
    assert {(r.source, r.weight) for r in rows} == {("automated", 0.5)}
    assert (rows[0].confidence, rows[0].emitted, rows[0].comment) == (
        0.77, True, "the package failed its checks",
    )  # fmt: skip
    assert (rows[1].confidence, rows[1].emitted, rows[1].comment) == (0.31, False, None)
    assert rows[1].requirement_ids == ["FR-002", "FR-003"]
    assert (rows[2].confidence, rows[2].emitted) == (None, None)  # no such detection


async def test_feedback_on_a_real_generation(client: AsyncClient) -> None:
    generated = await client.post("/generate", json={"prd": ORDER_PRD, "verify": False})
    assert generated.status_code == 201, generated.text[:1000]
    generation_id = generated.json()["id"]
    detections = generated.json()["detections"]
    emitted = next(d for d in detections if d["emitted"])
    verdict = {"generation_id": generation_id, "detection_id": emitted["id"],
               "pattern": emitted["pattern"], "verdict": "correct"}  # fmt: skip
    response = await client.post("/feedback/patterns", json=verdict)
    assert response.status_code == 201, response.text
    assert response.json()["confidence"] == emitted["confidence"]
    assert response.json()["requirement_ids"] == emitted["requirement_ids"]
    rating = {"ran": True, "rating": 4, "useful": True}
    assert (await client.post(f"/generations/{generation_id}/feedback", json=rating)).is_success
    summary = (await client.get(f"/generations/{generation_id}")).json()["feedback"]
    assert summary["count"] == 1 and summary["mean_rating"] == 4.0
    assert summary["ran_rate"] == 1.0 and summary["useful_rate"] == 1.0


@pytest.fixture
async def keys_mode(app_state: dict[str, Any]) -> AsyncIterator[None]:
    original = app_state["auth"]
    settings = AuthSettings(mode="keys", feedback_rate="1000/minute")
    app_state["auth"] = AuthService(settings, app_state["sessionmaker"])
    try:
        yield
    finally:
        app_state["auth"] = original


async def _key(app_state: dict[str, Any], *scopes: str) -> dict[str, str]:
    async with app_state["sessionmaker"]() as session, session.begin():
        _, token = await keys.create(session, "feedback-test", scopes)
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"}


async def test_keys_are_scoped_per_caller(
    client: AsyncClient, app_state: dict[str, Any], keys_mode: None
) -> None:
    generation_id = await store_generation(app_state["sessionmaker"])
    one, two = await _key(app_state, "feedback"), await _key(app_state, "feedback")
    body = {"generation_id": generation_id, "pattern": "kind.effect", "verdict": "correct"}
    first = await client.post("/feedback/patterns", json=body, headers=one)
    other = await client.post("/feedback/patterns", json={**body, "verdict": "partial"},
                              headers=two)  # fmt: skip
    assert first.status_code == other.status_code == 201, other.text
    assert "idempotent-replayed" not in other.headers and other.json()["verdict"] == "partial"
    replay = await client.post("/feedback/patterns", json=body, headers=one)
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == first.json()
    assert len(await _stored(app_state, generation_id)) == 2
    denied = await client.post(
        "/feedback/patterns", json=body, headers=await _key(app_state, "generate")
    )
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    anonymous = await client.post(f"/generations/{generation_id}/feedback",
                                  json={"ran": True, "rating": 3, "useful": False})  # fmt: skip
    assert anonymous.status_code == 401
