"""POST /generate's callback_url: the outcome event is delivered, signed, to a real receiver;
a refused URL is a 422 before any work (nothing stored)."""

import json
from pathlib import Path

from httpx import AsyncClient

from tests.test_errors import assert_error_shape
from tests.webhooks.conftest import SECRET, Hooks, hooks  # noqa: F401 (the fixture)
from tests.webhooks.receiver import running

ORDER_PRD = (Path(__file__).parent / "fixtures" / "order_service.md").read_text()


async def test_the_completion_event_reaches_the_callback_signed(
    client: AsyncClient,
    hooks: Hooks,  # noqa: F811
) -> None:
    async with running(SECRET) as receiver:
        body = {"prd": ORDER_PRD, "verify": False, "callback_url": receiver.url()}
        response = await client.post("/generate", json=body)
        assert response.status_code == 201, response.text[:500]
        generation_id = response.json()["id"]
        pending = (await client.get("/webhooks/deliveries", params={"status": "pending"})).json()
        [delivery] = pending["items"]
        runtime = hooks.runtime()
        try:
            await hooks.drive(runtime, delivery["id"], "delivered")
        finally:
            await runtime.close()
    [seen] = receiver.seen
    assert seen.verified
    event = json.loads(seen.body)
    assert event["type"] == "generation.completed"
    assert event["payload"]["generation_id"] == generation_id
    assert event["payload"]["archive_sha256"] == response.json()["archive_sha256"]
    logged = (await client.get("/events", params={"limit": 1000})).json()["items"]
    completed = [e for e in logged if e["type"] == "generation.completed"]
    assert event["id"] in {e["id"] for e in completed}  # the same event, same id


async def test_a_refused_callback_is_422_and_nothing_is_stored(client: AsyncClient) -> None:
    before = (await client.get("/generations")).json()["total"]
    body = {"prd": ORDER_PRD, "verify": False, "callback_url": "http://169.254.169.254/latest"}
    response = await client.post("/generate", json=body)
    assert response.status_code == 422
    assert_error_shape(response.json())
    assert response.json()["error"] == "callback_url_refused"
    assert (await client.get("/generations")).json()["total"] == before
