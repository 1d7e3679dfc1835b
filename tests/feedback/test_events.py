"""Every stored verdict and rating is a feedback.recorded event, in the same transaction;
a replayed Idempotency-Key records no second event."""

from pathlib import Path
from typing import Any

from httpx import AsyncClient

ORDER_PRD = (
    Path(__file__).resolve().parents[1] / "generation" / "fixtures" / "order_service.md"
).read_text()


async def _feedback_events(client: AsyncClient) -> list[dict[str, Any]]:
    items = (await client.get("/events", params={"limit": 1000})).json()["items"]
    return [e for e in items if e["type"] == "feedback.recorded"]


async def test_verdicts_and_ratings_are_events_once_each(client: AsyncClient) -> None:
    generation = (await client.post("/generate", json={"prd": ORDER_PRD, "verify": False})).json()
    before = len(await _feedback_events(client))
    verdict = {
        "generation_id": generation["id"],
        "detection_id": "kind.effect",
        "pattern": "kind.effect",
        "verdict": "correct",
    }
    headers = {"Idempotency-Key": "verdict-1"}
    first = await client.post("/feedback/patterns", json=verdict, headers=headers)
    again = await client.post("/feedback/patterns", json=verdict, headers=headers)
    assert first.status_code == again.status_code == 201
    rating = {"ran": True, "rating": 4, "useful": True}
    assert (
        await client.post(f"/generations/{generation['id']}/feedback", json=rating)
    ).status_code == 201
    events = (await _feedback_events(client))[before:]
    assert [e["payload"]["kind"] for e in events] == ["pattern", "generation"]
    assert events[0]["payload"]["feedback_id"] == first.json()["id"]
    assert events[0]["payload"]["verdict"] == "correct"
    assert events[1]["payload"]["rating"] == 4
    assert {e["aggregate_id"] for e in events} == {generation["id"]}


async def test_applying_and_rolling_back_a_threshold_are_events(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    store = app_state["thresholds"]
    before = (await client.get("/events", params={"limit": 1000})).json()["items"]
    assert await store.apply("kind.reducer", 0.7, {}, None) is not None
    assert await store.rollback("kind.reducer") is not None
    items = (await client.get("/events", params={"limit": 1000})).json()["items"][len(before) :]
    tuned = [e for e in items if e["type"] == "patterns.tuned"]
    assert [e["payload"]["patterns"] for e in tuned] == [["kind.reducer"], ["kind.reducer"]]
    assert tuned[0]["payload"]["threshold"] == 0.7 and tuned[1]["payload"]["version"] is None
