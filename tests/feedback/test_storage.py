"""No feedback is answered 201 before it is committed: a commit that fails answers 503 and stores
nothing (neither the row nor the Idempotency-Key's answer), and the client's retry under the same
key is then stored, once."""

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.db import WritingSession
from app.feedback.models import IdempotencyRecord, PatternFeedback
from app.storage import WriteFailures
from tests.feedback.generations import store_generation
from tests.test_errors import assert_error_shape


@pytest.fixture
def failing_commit() -> Iterator[list[int]]:
    """The next commit that stores an Idempotency-Key's answer (with its feedback row) fails,
    as on a busy database."""
    failed: list[int] = []

    def fail(session: Session) -> None:
        if not failed and any(isinstance(o, IdempotencyRecord) for o in session.new):
            failed.append(1)
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    event.listen(WritingSession, "before_commit", fail)
    yield failed
    event.remove(WritingSession, "before_commit", fail)


async def _counts(app_state: dict[str, Any]) -> tuple[int, int]:
    async with app_state["sessionmaker"]() as session:
        rows = await session.scalar(select(func.count(PatternFeedback.id)))
        records = await session.scalar(select(func.count(IdempotencyRecord.key)))
    return int(rows or 0), int(records or 0)


async def test_failed_commit_answers_503_and_the_retry_is_stored_once(
    client: AsyncClient, app_state: dict[str, Any], failing_commit: list[int]
) -> None:
    generation_id = await store_generation(app_state["sessionmaker"])
    body = {"generation_id": generation_id, "pattern": "kind.effect", "verdict": "correct"}
    headers = {"Idempotency-Key": "retry-after-503"}
    failed = await client.post("/feedback/patterns", json=body, headers=headers)
    assert failing_commit == [1]
    assert failed.status_code == 503, failed.text
    assert_error_shape(failed.json(), "storage_unavailable")
    assert failed.headers["retry-after"]
    assert await _counts(app_state) == (0, 0)
    stored = await client.post("/feedback/patterns", json=body, headers=headers)
    assert stored.status_code == 201 and "idempotent-replayed" not in stored.headers
    again = await client.post("/feedback/patterns", json=body, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.json() == stored.json()
    assert await _counts(app_state) == (1, 1)


async def test_a_stored_verdict_tells_health_that_storage_takes_writes(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    writes: WriteFailures = app_state["write_failures"]
    generation_id = await store_generation(app_state["sessionmaker"])
    writes.record(OSError(28, "No space left on device"))
    try:
        body = {"generation_id": generation_id, "pattern": "kind.effect", "verdict": "partial"}
        refused = await client.post("/feedback/patterns", json={**body, "pattern": "kind.x"})
        assert refused.status_code == 422 and writes.recent() == 1  # nothing was written
        stored = await client.post("/feedback/patterns", json=body)
        assert stored.status_code == 201 and writes.recent() == 0
    finally:
        writes.clear()
