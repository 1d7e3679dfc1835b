"""POST /generations/{id}/feedback: ratings of a whole generation, their summary (generation's
FeedbackSummaries), and Idempotency-Key semantics on both feedback routes."""

import asyncio
from datetime import datetime
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from app.feedback.models import GenerationFeedback, IdempotencyRecord
from app.feedback.service import FeedbackService
from tests.feedback.generations import store_generation
from tests.test_errors import assert_error_shape


@pytest.fixture
async def generation_id(client: AsyncClient, app_state: dict[str, Any]) -> str:
    return await store_generation(app_state["sessionmaker"])


async def _count(app_state: dict[str, Any], column: Any) -> int:
    async with app_state["sessionmaker"]() as session:
        return int(await session.scalar(select(func.count(column))) or 0)


async def test_ratings_and_their_summary(
    client: AsyncClient, generation_id: str, app_state: dict[str, Any]
) -> None:
    service: FeedbackService = app_state["feedback_summaries"]
    async with app_state["sessionmaker"]() as session:
        assert await service.summary(session, generation_id) is None
    answers = [
        {"ran": True, "rating": 5, "useful": True, "files": {"nodes/a/node.py": "clean"}},
        {"ran": True, "rating": 2, "useful": False, "comment": "handlers are stubs"},
        {"ran": False, "rating": 3.0, "useful": True},  # an integer to JSON Schema
    ]
    created = []
    for answer in answers:
        response = await client.post(f"/generations/{generation_id}/feedback", json=answer)
        assert response.status_code == 201, response.text
        created.append(response.json())
    assert created[0]["files"] == {"nodes/a/node.py": "clean"} and created[2]["files"] == {}
    assert created[2]["rating"] == 3
    assert created[1]["comment"] == "handlers are stubs"
    async with app_state["sessionmaker"]() as session:
        summary = await service.summary(session, generation_id)
        other = await service.summary(session, await store_generation(app_state["sessionmaker"]))
    assert other is None
    assert summary is not None and summary.count == 3
    assert summary.mean_rating == pytest.approx(10 / 3)
    assert summary.ran_rate == pytest.approx(2 / 3) and summary.useful_rate == pytest.approx(2 / 3)
    assert summary.last_at is not None
    assert summary.last_at == max(_when(c) for c in created)


def _when(created: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(created["created_at"])


@pytest.mark.parametrize(
    "body",
    [
        {"ran": True, "rating": 0, "useful": True},
        {"ran": True, "rating": 6, "useful": True},
        {"ran": True, "useful": True},
        {"ran": True, "rating": "3", "useful": True},  # the schema's integer, not a string
        {"ran": True, "rating": 3, "useful": 0},  # the schema's boolean, not a number
        {"ran": True, "rating": 3.5, "useful": True},
        {"ran": True, "rating": 3, "useful": True, "comment": "a\x00b"},
        {"ran": True, "rating": 3, "useful": True, "files": {"a.py": "\x00"}},
        {"ran": True, "rating": 3, "useful": True, "comment": "x" * 4001},
        {"ran": True, "rating": 3, "useful": True, "files": {f"f{i}.py": "" for i in range(201)}},
    ],
)
async def test_invalid_ratings(
    client: AsyncClient, generation_id: str, app_state: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await client.post(f"/generations/{generation_id}/feedback", json=body)
    assert response.status_code == 422, response.text
    assert_error_shape(response.json(), "invalid_input")
    assert await _count(app_state, GenerationFeedback.id) == 0


@pytest.mark.parametrize("missing", ["f" * 32, "ab%00cd", "x" * 300])
async def test_unknown_generation(
    client: AsyncClient, app_state: dict[str, Any], missing: str
) -> None:
    body = {"ran": True, "rating": 4, "useful": True}
    response = await client.post(f"/generations/{missing}/feedback", json=body)
    assert response.status_code == 404, response.text
    assert_error_shape(response.json(), "not_found")
    assert await _count(app_state, GenerationFeedback.id) == 0


async def test_retry_answers_the_first_answer_once(
    client: AsyncClient, generation_id: str, app_state: dict[str, Any]
) -> None:
    url = f"/generations/{generation_id}/feedback"
    body = {"ran": True, "rating": 4, "useful": True, "comment": "ok"}
    headers = {"Idempotency-Key": "rating-1"}
    first = await client.post(url, json=body, headers=headers)
    again = await client.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count(app_state, GenerationFeedback.id) == 1
    reused = await client.post(url, json={**body, "rating": 1}, headers=headers)
    assert reused.status_code == 422
    assert_error_shape(reused.json(), "idempotency_key_reused")
    # the key is the route's: the same key on the other route, or another generation, is new
    other = await store_generation(app_state["sessionmaker"])
    elsewhere = await client.post(f"/generations/{other}/feedback", json=body, headers=headers)
    assert elsewhere.status_code == 422  # same route and caller, another request
    verdict = {"generation_id": generation_id, "pattern": "kind.effect", "verdict": "correct"}
    pattern = await client.post("/feedback/patterns", json=verdict, headers=headers)
    assert pattern.status_code == 201 and "idempotent-replayed" not in pattern.headers
    assert await _count(app_state, IdempotencyRecord.key) == 2


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_invalid_idempotency_key(
    client: AsyncClient, generation_id: str, app_state: dict[str, Any], key: str
) -> None:
    body = {"generation_id": generation_id, "pattern": "kind.effect", "verdict": "correct"}
    response = await client.post("/feedback/patterns", json=body, headers={"Idempotency-Key": key})
    assert response.status_code == 422, response.text
    assert_error_shape(response.json(), "invalid_input")
    assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await _count(app_state, IdempotencyRecord.key) == 0


async def test_concurrent_duplicates_store_one_rating(
    client: AsyncClient, generation_id: str, app_state: dict[str, Any]
) -> None:
    url = f"/generations/{generation_id}/feedback"
    body = {"ran": False, "rating": 2, "useful": False, "files": {"a.py": "fails to import"}}
    headers = {"Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(client.post(url, json=body, headers=headers) for _ in range(6))
    )
    assert [a.status_code for a in answers] == [201] * 6, [a.text for a in answers]
    assert all(a.json() == answers[0].json() for a in answers)
    assert sum(a.headers.get("idempotent-replayed") != "true" for a in answers) == 1
    assert await _count(app_state, GenerationFeedback.id) == 1
