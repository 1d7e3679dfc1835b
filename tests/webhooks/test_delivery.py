"""Deliveries to a real receiver on 127.0.0.1: signed and verified, retried with backoff until
delivered, parked after max_attempts and replayed, redirects not followed; the admin routes."""

import asyncio
import json
import time

import pytest
from httpx import AsyncClient
from prometheus_client import REGISTRY

from app.webhooks.runtime import WebhookRuntime
from app.webhooks.signing import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.test_errors import assert_error_shape
from tests.webhooks.conftest import SECRET, Hooks
from tests.webhooks.receiver import running


def _attempts(outcome: str) -> float:
    value = REGISTRY.get_sample_value("codegen_webhook_attempts_total", {"outcome": outcome})
    return value or 0.0


async def test_a_delivery_is_signed_and_the_receiver_verifies_it(
    client: AsyncClient, hooks: Hooks
) -> None:
    async with running(SECRET) as receiver:
        delivery_id = await hooks.enqueue(receiver.url(), event_id="evt-signed")
        runtime = hooks.runtime()
        try:
            row = await hooks.drive(runtime, delivery_id, "delivered")
        finally:
            await runtime.close()
    assert row.attempts == 1 and row.last_status == 200 and row.last_error is None
    [seen] = receiver.seen
    assert seen.verified and seen.path == "/hook"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers[ID_HEADER.lower()] == "evt-signed"
    assert abs(int(seen.headers[TIMESTAMP_HEADER.lower()]) - time.time()) < 60
    assert seen.body == row.body.encode()  # the stored bytes are the signed bytes
    body = json.loads(seen.body)
    assert body["id"] == "evt-signed" and body["type"] == "generation.completed"
    assert body["payload"] == {"generation_id": "g-1", "status": "succeeded"}
    # a tampered body, another secret or a stale timestamp do not verify
    signature, stamp = (
        seen.headers[SIGNATURE_HEADER.lower()],
        seen.headers[TIMESTAMP_HEADER.lower()],
    )
    assert verify_signature(SECRET, seen.body, signature, stamp, 300)
    assert not verify_signature(SECRET, seen.body + b" ", signature, stamp, 300)
    assert not verify_signature("other", seen.body, signature, stamp, 300)
    assert not verify_signature(SECRET, seen.body, signature, stamp, 300, now=int(stamp) + 301)
    listed = (await client.get("/webhooks/deliveries", params={"status": "delivered"})).json()
    assert [d["id"] for d in listed["items"]] == [delivery_id]
    assert listed["items"][0]["status"] == "delivered"
    assert (await client.get("/webhooks/deliveries?status=pending")).json()["items"] == []


async def test_an_enqueued_delivery_rolls_back_with_the_callers_transaction(
    client: AsyncClient, hooks: Hooks
) -> None:
    with pytest.raises(RuntimeError):
        async with hooks.sessions() as session, session.begin():
            await hooks.webhooks.enqueue(session, "http://127.0.0.1:9/x", "generation.failed",
                                         "evt-x", {"generation_id": "g", "error": "e"})  # fmt: skip
            raise RuntimeError("the generation failed to store: its callback goes with it")
    assert (await client.get("/webhooks/deliveries")).json()["items"] == []


async def test_a_failing_receiver_gets_retries_until_it_answers(
    client: AsyncClient, hooks: Hooks
) -> None:
    async with running(SECRET) as receiver:
        receiver.script = [500, 503, 500]
        delivery_id = await hooks.enqueue(receiver.url(), event_id="evt-retry")
        runtime = hooks.runtime()
        try:
            row = await hooks.drive(runtime, delivery_id, "delivered")
        finally:
            await runtime.close()
    assert row.attempts == 4 and row.last_status == 200 and row.parked_at is None
    assert [s.verified for s in receiver.seen] == [True] * 4
    assert {s.headers[ID_HEADER.lower()] for s in receiver.seen} == {"evt-retry"}


async def test_an_always_failing_receiver_parks_the_delivery_and_replay_requeues_it(
    client: AsyncClient, hooks: Hooks
) -> None:
    async with running(SECRET) as receiver:
        receiver.script = [500] * hooks.settings.max_attempts
        before = {o: _attempts(o) for o in ("failed", "parked", "delivered")}
        delivery_id = await hooks.enqueue(receiver.url(), event_id="evt-parked")
        runtime = hooks.runtime()
        try:
            row = await hooks.drive(runtime, delivery_id, "parked")
            assert row.attempts == hooks.settings.max_attempts == len(receiver.seen)
            assert row.last_status == 500 and row.last_error is not None
            # the receiver's 100 kB answer was read only up to max_response_bytes
            assert len(row.last_error) <= hooks.settings.max_response_bytes + 20
            assert await runtime.run_once() == 0  # parked: no longer attempted
            failed = hooks.settings.max_attempts - 1
            assert _attempts("failed") - before["failed"] == failed  # on /metrics
            assert _attempts("parked") - before["parked"] == 1
            parked = (await client.get("/webhooks/deliveries?status=parked")).json()["items"]
            assert [d["id"] for d in parked] == [delivery_id]
            assert (await client.get("/webhooks/deliveries?status=pending")).json()["items"] == []
            replayed = await client.post(f"/webhooks/deliveries/{delivery_id}/replay")
            assert replayed.status_code == 200, replayed.text
            assert replayed.json()["status"] == "pending" and replayed.json()["attempts"] == 0
            row = await hooks.drive(runtime, delivery_id, "delivered")
        finally:
            await runtime.close()
    assert row.attempts == 1 and len(receiver.seen) == hooks.settings.max_attempts + 1
    again = await client.post(f"/webhooks/deliveries/{delivery_id}/replay")
    assert again.status_code == 409
    assert_error_shape(again.json(), "delivery_not_parked")
    unknown = await client.post("/webhooks/deliveries/nope/replay")
    assert unknown.status_code == 404
    assert_error_shape(unknown.json(), "delivery_not_found")


async def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    client: AsyncClient, hooks: Hooks
) -> None:
    async with running(SECRET) as receiver:
        receiver.script = [302]
        delivery_id = await hooks.enqueue(receiver.url(), event_id="evt-redirect")
        runtime = hooks.runtime()
        try:
            async with asyncio.timeout(10):
                assert await runtime.run_once() == 1
        finally:
            await runtime.close()
    row = await hooks.row(delivery_id)
    assert row.attempts == 1 and row.last_status == 302 and row.delivered_at is None
    assert row.last_error is not None and "not followed" in row.last_error
    assert [s.path for s in receiver.seen] == ["/hook"]  # /moved was never requested


async def test_the_routes_page_validate_and_document_every_status(
    client: AsyncClient, hooks: Hooks
) -> None:
    ids = [await hooks.enqueue("http://127.0.0.1:9/x", event_id=f"e{i}") for i in range(3)]
    first = (await client.get("/webhooks/deliveries", params={"limit": 2})).json()
    assert [d["id"] for d in first["items"]] == ids[:2]
    rest = await client.get("/webhooks/deliveries", params={"after": first["next_after"]})
    assert [d["id"] for d in rest.json()["items"]] == ids[2:]
    bad = await client.get("/webhooks/deliveries", params={"status": "lost"})
    assert bad.status_code == 422
    assert_error_shape(bad.json())
    paths = (await client.get("/openapi.json")).json()["paths"]
    listing = paths["/webhooks/deliveries"]["get"]["responses"]
    replay = paths["/webhooks/deliveries/{delivery_id}/replay"]["post"]["responses"]
    assert {"200", "401", "403", "422", "503"} <= set(listing)
    assert {"200", "401", "403", "404", "409", "422", "503"} <= set(replay)


async def test_two_senders_never_send_one_delivery_twice(client: AsyncClient, hooks: Hooks) -> None:
    async with running(SECRET) as receiver:
        receiver.script = [500] * 5  # some retries in the mix
        ids = [await hooks.enqueue(receiver.url(), event_id=f"evt-{i}") for i in range(30)]
        senders = [hooks.runtime(), hooks.runtime()]

        async def work(runtime: WebhookRuntime) -> int:
            attempted = 0
            while (await client.get("/webhooks/deliveries?status=pending")).json()["items"]:
                attempted += await runtime.run_once()
                await asyncio.sleep(0.005)  # the retried ones are due after their backoff
            return attempted

        try:
            async with asyncio.timeout(30):
                counts = await asyncio.gather(*(work(s) for s in senders))
        finally:
            for sender in senders:
                await sender.close()
    delivered = (await client.get("/webhooks/deliveries?status=delivered")).json()["items"]
    assert sorted(d["id"] for d in delivered) == sorted(ids)
    answered = [s.headers[ID_HEADER.lower()] for s in receiver.seen]
    assert sum(counts) == len(answered) == 30 + 5  # every attempt is one request: none doubled
    assert sum(d["attempts"] for d in delivered) == 35
    assert sorted(set(answered)) == sorted(f"evt-{i}" for i in range(30))
