"""A stored generation's events are in the outbox, in its transaction, in order."""

from pathlib import Path

from httpx import AsyncClient

ORDER_PRD = (Path(__file__).parent / "fixtures" / "order_service.md").read_text()


async def _events_of(client: AsyncClient, generation_id: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    after = None
    while True:
        params = {"limit": 1000, **({"after": after} if after else {})}
        page = (await client.get("/events", params=params)).json()
        found += [e for e in page["items"] if e["aggregate_id"] == generation_id]
        if not page["items"] or page["next_after"] is None or page["next_after"] == after:
            return found
        after = page["next_after"]


async def test_a_generation_records_requested_then_completed(client: AsyncClient) -> None:
    response = await client.post("/generate", json={"prd": ORDER_PRD, "verify": False})
    assert response.status_code == 201
    generation = response.json()
    events = await _events_of(client, generation["id"])
    assert [e["type"] for e in events] == ["generation.requested", "generation.completed"]
    completed = events[1]["payload"]
    assert isinstance(completed, dict)
    assert completed["status"] == "unverified"
    assert completed["archive_sha256"] == generation["archive_sha256"]
    assert completed["node_count"] == len(generation["nodes"])
    assert events[0]["correlation_id"] == response.headers["x-request-id"]


async def test_a_refused_prd_records_no_event(client: AsyncClient) -> None:
    before = (await client.get("/events", params={"limit": 1000})).json()["items"]
    response = await client.post("/generate", json={"prd": "just some words, nothing to do"})
    assert response.status_code == 422
    after = (await client.get("/events", params={"limit": 1000})).json()["items"]
    assert len(after) == len(before)
