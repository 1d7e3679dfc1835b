"""POST /feedback/patterns: verdicts bound to a generation's detections, and every refusal."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select

from app.feedback.models import PatternFeedback
from tests.feedback.generations import EXTERNAL, store_generation
from tests.test_errors import assert_error_shape

URL = "/feedback/patterns"
REDUCER = {"detection_id": "kind.reducer", "pattern": "kind.reducer"}


@pytest.fixture
async def generation_id(client: AsyncClient, app_state: dict[str, Any]) -> str:
    return await store_generation(app_state["sessionmaker"])


async def _rows(app_state: dict[str, Any]) -> int:
    async with app_state["sessionmaker"]() as session:
        return int(await session.scalar(select(func.count(PatternFeedback.id))) or 0)


async def test_verdict_on_emitted_detection_copies_its_confidence(
    client: AsyncClient, generation_id: str, app_state: dict[str, Any]
) -> None:
    body = {"generation_id": generation_id, "detection_id": "kind.effect",
            "pattern": "kind.effect", "verdict": "incorrect", "actual_pattern": "kind.compute",
            "comment": "it only converts units"}  # fmt: skip
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["confidence"] == 0.81 and stored["emitted"] is True
    assert stored["weight"] == 1.0 and stored["source"] == "user"
    assert stored["requirement_ids"] == ["FR-001"]  # the detection's, none given
    assert stored["actual_pattern"] == "kind.compute" and stored["created_at"]
    assert "idempotent-replayed" not in response.headers
    async with app_state["sessionmaker"]() as session:
        row = await session.get(PatternFeedback, stored["id"])
    assert row is not None and row.verdict == "incorrect" and row.confidence == 0.81


async def test_automated_source_weighs_less(client: AsyncClient, generation_id: str) -> None:
    body = {"generation_id": generation_id, "detection_id": "lifecycle:order_status",
            "pattern": "lifecycle", "verdict": "correct", "source": "automated",
            "requirement_ids": ["FR-009"]}  # fmt: skip
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["weight"] == 0.5 and response.json()["requirement_ids"] == ["FR-009"]


@pytest.mark.parametrize("verdict", ["missed", "correct"])
async def test_non_emitted_detection_takes_missed_or_correct(
    client: AsyncClient, generation_id: str, verdict: str
) -> None:
    body = {"generation_id": generation_id, "detection_id": "kind.reducer",
            "pattern": "kind.reducer", "verdict": verdict}  # fmt: skip
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["emitted"] is False and response.json()["confidence"] == 0.31


async def test_binding_by_pattern(client: AsyncClient, generation_id: str) -> None:
    """Without detection_id: missed binds to the one non-emitted detection of the pattern (or to
    none), the other verdicts to the one emitted detection of the pattern."""
    base = {"generation_id": generation_id}
    missed = await client.post(URL, json={**base, "pattern": EXTERNAL, "verdict": "missed"})
    assert missed.status_code == 201, missed.text
    assert missed.json()["detection_id"] == f"{EXTERNAL}:crm"
    assert missed.json()["confidence"] == 0.4
    unseen = await client.post(URL, json={**base, "pattern": "flow", "verdict": "missed"})
    assert unseen.status_code == 201, unseen.text
    assert unseen.json()["detection_id"] is None and unseen.json()["confidence"] is None
    read = await client.post(URL, json={**base, "pattern": "operation.read", "verdict": "partial"})
    assert read.status_code == 201, read.text
    assert read.json()["detection_id"] == "operation:order_effect.get_order"
    assert read.json()["confidence"] == 0.7 and read.json()["emitted"] is True


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"pattern": "kind.gateway"}, "unknown_pattern"),
        ({"actual_pattern": "kind.gateway"}, "unknown_pattern"),
        ({"detection_id": "kind.nothing"}, "unknown_detection"),
        ({"pattern": "kind.compute"}, "pattern_mismatch"),
        ({"verdict": "missed"}, "verdict_does_not_fit"),  # kind.effect was emitted
        ({**REDUCER, "verdict": "incorrect"}, "verdict_does_not_fit"),  # not emitted
        ({**REDUCER, "verdict": "partial"}, "verdict_does_not_fit"),
        ({"detection_id": None, "pattern": "operation.create"}, "detection_required"),
        ({"detection_id": None, "pattern": "flow"}, "detection_required"),
        ({"detection_id": None, "pattern": EXTERNAL}, "detection_required"),  # not emitted
        ({"verdict": "wrong"}, "invalid_input"),
        ({"source": "oracle"}, "invalid_input"),
        ({"requirement_ids": [f"FR-{i}" for i in range(101)]}, "invalid_input"),
        ({"requirement_ids": ["R" * 65]}, "invalid_input"),
        ({"comment": "x" * 4001}, "invalid_input"),
        ({"comment": "a\x00b"}, "invalid_input"),  # PostgreSQL text holds no NUL
        ({"requirement_ids": ["FR\x001"]}, "invalid_input"),
        ({"extra": 1}, "invalid_input"),
    ],
)
async def test_refusals(
    client: AsyncClient,
    generation_id: str,
    app_state: dict[str, Any],
    change: dict[str, Any],
    code: str,
) -> None:
    body = {"generation_id": generation_id, "detection_id": "kind.effect",
            "pattern": "kind.effect", "verdict": "correct", **change}  # fmt: skip
    response = await client.post(URL, json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422, response.text
    assert_error_shape(response.json(), code)
    assert await _rows(app_state) == 0


@pytest.mark.parametrize("missing", ["0" * 32, "ab\x00cd"])
async def test_unknown_generation(
    client: AsyncClient, app_state: dict[str, Any], missing: str
) -> None:
    body = {"generation_id": missing, "pattern": "kind.effect", "verdict": "correct"}
    response = await client.post(URL, json=body)
    assert response.status_code == 404, response.text
    assert_error_shape(response.json(), "not_found")
    assert await _rows(app_state) == 0


async def test_generation_without_detections(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    """A generation stored before detections existed: only `missed` (bound to none) fits."""
    old = await store_generation(app_state["sessionmaker"], [])
    missed = await client.post(
        URL, json={"generation_id": old, "pattern": "kind.effect", "verdict": "missed"}
    )
    assert missed.status_code == 201 and missed.json()["confidence"] is None
    named = await client.post(URL, json={"generation_id": old, **REDUCER, "verdict": "missed"})
    assert_error_shape(named.json(), "unknown_detection")


async def test_openapi_lists_every_status(client: AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path in (URL, "/generations/{generation_id}/feedback"):
        responses = document["paths"][path]["post"]["responses"]
        assert {"201", "401", "403", "404", "422", "429", "503"} <= responses.keys(), path
