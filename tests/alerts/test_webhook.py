"""POST /alerts/webhook stores Alertmanager's alerts by fingerprint; GET /alerts pages them."""

import asyncio
from datetime import datetime
from typing import Any

from httpx import AsyncClient

from tests.alerts.payloads import T0, alert, minutes, notification
from tests.auth.conftest import MakeKey, keys_mode, make_key  # noqa: F401  (fixtures)
from tests.test_errors import assert_error_shape


async def _alerts(
    client: AsyncClient, state: str = "firing", headers: dict[str, str] | None = None, **params: int
) -> dict[str, Any]:
    response = await client.get("/alerts", params={"state": state, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _post(client: AsyncClient, payload: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = await client.post("/alerts/webhook", json=payload, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_firing_alerts_are_stored_and_resolved_ones_marked(client: AsyncClient) -> None:
    receipt = await _post(client, notification(alert("aaa1", instance="a"), alert("bbb2")))
    assert receipt == {"firing": 2, "resolved": 0}
    firing = await _alerts(client)
    assert firing["total"] == 2
    by_fp = {a["fingerprint"]: a for a in firing["items"]}
    assert by_fp["aaa1"]["labels"] == {
        "alertname": "CodegenEventsParked",
        "severity": "warning",
        "instance": "a",
    }
    assert by_fp["aaa1"]["alertname"] == "CodegenEventsParked"
    assert by_fp["aaa1"]["severity"] == "warning"
    assert by_fp["aaa1"]["annotations"]["summary"] == "3 events are parked"
    assert datetime.fromisoformat(by_fp["aaa1"]["starts_at"]) == T0
    assert by_fp["aaa1"]["ends_at"] is None and by_fp["aaa1"]["status"] == "firing"

    ended = T0 + minutes(7)
    receipt = await _post(client, notification(alert("aaa1", "resolved", ends=ended)))
    assert receipt == {"firing": 0, "resolved": 1}
    assert [a["fingerprint"] for a in (await _alerts(client))["items"]] == ["bbb2"]
    [resolved] = (await _alerts(client, "resolved"))["items"]
    assert resolved["fingerprint"] == "aaa1" and resolved["status"] == "resolved"
    assert datetime.fromisoformat(resolved["ends_at"]) == ended
    assert resolved["notifications"] == 2
    assert (await _alerts(client, "all"))["total"] == 2


async def test_repeated_notifications_update_one_row(client: AsyncClient) -> None:
    for n in range(3):
        await _post(client, notification(alert("ccc3", summary=f"{n + 1} events are parked")))
    page = await _alerts(client, "all")
    assert page["total"] == 1
    [row] = page["items"]
    assert row["notifications"] == 3 and row["annotations"]["summary"] == "3 events are parked"
    assert row["received_at"] <= row["updated_at"]


async def test_a_late_firing_retry_does_not_reopen_but_a_new_firing_does(
    client: AsyncClient,
) -> None:
    await _post(client, notification(alert("ddd4")))
    await _post(client, notification(alert("ddd4", "resolved", ends=T0 + minutes(5))))
    await _post(client, notification(alert("ddd4")))  # a retry of the first notification
    assert (await _alerts(client))["total"] == 0
    again = T0 + minutes(30)
    await _post(client, notification(alert("ddd4", starts=again)))  # it fires again
    [row] = (await _alerts(client))["items"]
    assert datetime.fromisoformat(row["starts_at"]) == again and row["ends_at"] is None


async def test_concurrent_notifications_of_one_alert_make_one_row(client: AsyncClient) -> None:
    payload = notification(alert("eee5"))
    await asyncio.gather(*(_post(client, payload) for _ in range(10)))
    [row] = (await _alerts(client))["items"]
    assert row["notifications"] == 10


async def test_pages_are_newest_first_and_complete(client: AsyncClient) -> None:
    alerts = [alert(f"f{n:03d}", starts=T0 + minutes(n)) for n in range(7)]
    await _post(client, notification(*alerts))
    pages = [await _alerts(client, limit=3, offset=offset) for offset in (0, 3, 6)]
    assert {p["total"] for p in pages} == {7}
    seen = [a["fingerprint"] for p in pages for a in p["items"]]
    assert seen == [f"f{n:03d}" for n in reversed(range(7))]
    assert (await _alerts(client, offset=7))["items"] == []


async def test_unsupported_and_malformed_payloads_are_refused(client: AsyncClient) -> None:
    response = await client.post("/alerts/webhook", json=notification(alert("a1"), version="3"))
    assert response.status_code == 422
    assert_error_shape(response.json(), "unsupported_webhook_version")
    broken = notification(alert("a1"))
    del broken["alerts"][0]["fingerprint"]
    response = await client.post("/alerts/webhook", json=broken)
    assert response.status_code == 422
    assert_error_shape(response.json(), "invalid_input")
    response = await client.get("/alerts", params={"state": "open"})
    assert response.status_code == 422
    assert (await _alerts(client, "all"))["total"] == 0


async def test_keys_mode_needs_admin_to_post_and_feedback_to_read(
    client: AsyncClient,
    keys_mode: object,  # noqa: F811
    make_key: MakeKey,  # noqa: F811
) -> None:
    _, admin = await make_key("admin")
    _, feedback = await make_key("feedback")
    _, generate = await make_key("generate")
    payload = notification(alert("a9"))

    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    response = await client.post("/alerts/webhook", json=payload)
    assert response.status_code == 401
    response = await client.post("/alerts/webhook", json=payload, headers=bearer(feedback))
    assert response.status_code == 403
    assert_error_shape(response.json(), "forbidden")
    await _post(client, payload, headers=bearer(admin))
    assert (await client.get("/alerts", headers=bearer(generate))).status_code == 403
    for key in (feedback, admin):
        page = await _alerts(client, headers=bearer(key))
        assert [a["fingerprint"] for a in page["items"]] == ["a9"]
