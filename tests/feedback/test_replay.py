"""THE BAR: 1,000 feedback submissions, ~30 % of them sent again under the same Idempotency-Key
(sequential retries after the first answer, and concurrent duplicates in the same gather): each
is stored once, every answer to a key is the same body, and the stored counts per (pattern,
verdict, source) are exactly those of the test's own list of unique submissions."""

import asyncio
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import func, select

from app.feedback.models import IdempotencyRecord, PatternFeedback
from tests.feedback.generations import sample_detections, store_generation

log = logging.getLogger(__name__)
SUBMISSIONS = 1000
BATCH = 50  # unique submissions sent at once (with their concurrent duplicates)
EMITTED_VERDICTS = ("correct", "incorrect", "partial")
BELOW_VERDICTS = ("missed", "correct")


@dataclass
class Submission:
    key: str
    body: dict[str, Any]
    copies: int  # sent at once (1: no concurrent duplicate)
    retries: int  # sent again, one after another, after the first answers


def _submissions(generation_ids: list[str], rng: random.Random) -> list[Submission]:
    detections = sample_detections()
    made = []
    for _ in range(SUBMISSIONS):
        body: dict[str, Any] = {"generation_id": rng.choice(generation_ids)}
        if rng.random() < 0.1:  # a pattern nothing detected: missed, bound to no detection
            body |= {"pattern": "flow", "verdict": "missed"}
        else:
            detection = rng.choice(detections)
            fitting = EMITTED_VERDICTS if detection.emitted else BELOW_VERDICTS
            body |= {"detection_id": detection.id, "pattern": detection.pattern,
                     "verdict": rng.choice(fitting)}  # fmt: skip
        body["source"] = rng.choice(("user", "user", "automated"))
        if rng.random() < 0.2:
            body["comment"] = f"note {rng.randrange(10**6)}"
        duplicated = rng.random() < 0.3
        concurrent = duplicated and rng.random() < 0.5
        copies = rng.choice((2, 3)) if concurrent else 1
        retries = rng.choice((1, 2)) if duplicated and not concurrent else 0
        made.append(Submission(uuid.uuid4().hex, body, copies, retries))
    return made


async def _send(client: AsyncClient, item: Submission) -> Response:
    headers = {"Idempotency-Key": item.key}
    return await client.post("/feedback/patterns", json=item.body, headers=headers)


async def test_each_submission_counts_once(
    client: AsyncClient, app_state: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app.feedback.idempotency")
    rng = random.Random(12)
    generation_ids = [await store_generation(app_state["sessionmaker"]) for _ in range(4)]
    items = _submissions(generation_ids, rng)
    duplicated = sum(1 for i in items if i.copies > 1 or i.retries)
    assert 0.25 * SUBMISSIONS < duplicated < 0.35 * SUBMISSIONS
    assert any(i.copies > 1 for i in items) and any(i.retries for i in items)
    answers: dict[str, list[Response]] = {}
    started = time.perf_counter()
    for start in range(0, SUBMISSIONS, BATCH):
        batch = items[start : start + BATCH]
        sent = [item for item in batch for _ in range(item.copies)]
        rng.shuffle(sent)
        for item, response in zip(
            sent, await asyncio.gather(*map(partial(_send, client), sent)), strict=True
        ):
            answers.setdefault(item.key, []).append(response)
        for item in batch:  # retries: the client did not see the first answer
            for _ in range(item.retries):
                answers[item.key].append(await _send(client, item))
    elapsed = time.perf_counter() - started
    log.info("%d requests in %.1f s", sum(map(len, answers.values())), elapsed)
    raced = [r for r in caplog.records if "was stored first" in r.getMessage()]
    assert raced  # concurrent duplicates did race to the primary key, and lost cleanly

    ids = set()
    for item in items:
        responses = answers[item.key]
        assert len(responses) == item.copies + item.retries
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
        bodies = [r.json() for r in responses]
        assert all(b == bodies[0] for b in bodies), bodies
        fresh = [r for r in responses if r.headers.get("idempotent-replayed") != "true"]
        assert len(fresh) == 1  # one request stored it; every other one was answered a replay
        assert bodies[0]["pattern"] == item.body["pattern"]
        assert bodies[0]["verdict"] == item.body["verdict"]
        ids.add(bodies[0]["id"])
    assert len(ids) == SUBMISSIONS

    expected = Counter((i.body["pattern"], i.body["verdict"], i.body["source"]) for i in items)
    weights = {"user": 1.0, "automated": 0.5}
    expected_weight = sum(weights[i.body["source"]] for i in items)
    async with app_state["sessionmaker"]() as session:
        rows = PatternFeedback
        grouped = await session.execute(
            select(rows.pattern, rows.verdict, rows.source, func.count(rows.id)).group_by(
                rows.pattern, rows.verdict, rows.source
            )
        )
        stored = Counter({(p, v, s): n for p, v, s, n in grouped.all()})
        total_weight = await session.scalar(select(func.sum(rows.weight)))
        records = await session.scalar(select(func.count(IdempotencyRecord.key)))
        stored_ids = set((await session.scalars(select(rows.id))).all())
    assert stored == expected
    assert sum(stored.values()) == SUBMISSIONS and records == SUBMISSIONS
    assert stored_ids == ids
    assert total_weight == expected_weight
