"""GET /patterns/metrics equals what clients submitted through POST /feedback/patterns, counted
here independently; the since/until window is applied; /metrics exports the same figures."""

import asyncio
import random
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from tests.feedback.generations import EXTERNAL, store_generation
from tests.test_errors import assert_error_shape

EMITTED = {
    "kind.effect": "kind.effect",
    "kind.compute": "kind.compute",
    "lifecycle:order_status": "lifecycle",
    "operation:order_effect.create_order": "operation.create",
    "operation:order_effect.get_order": "operation.read",
}
NOT_EMITTED = {"kind.reducer": "kind.reducer", "kind.orchestrator": "kind.orchestrator",
               f"{EXTERNAL}:crm": EXTERNAL}  # fmt: skip
# what each (verdict, emitted?) is, written out here rather than taken from app.feedback.scoring
CATEGORY = {("correct", True): "tp", ("incorrect", True): "fp", ("partial", True): "partial",
            ("missed", False): "fn", ("correct", False): "tn"}  # fmt: skip
WEIGHT = {"user": 1.0, "automated": 0.5}


def submissions(generation_ids: list[str], n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        emitted = rng.random() < 0.6
        detection, pattern = rng.choice(sorted((EMITTED if emitted else NOT_EMITTED).items()))
        verdicts = ["correct", "incorrect", "partial"] if emitted else ["missed", "correct"]
        out.append({"generation_id": rng.choice(generation_ids), "detection_id": detection,
                    "pattern": pattern, "verdict": rng.choice(verdicts),
                    "source": rng.choice(["user", "automated"])})  # fmt: skip
    return out


def expected(bodies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    raw: dict[str, Counter[str]] = defaultdict(Counter)
    weighted: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    for body in bodies:
        emitted = body["detection_id"] in EMITTED
        category = CATEGORY[(body["verdict"], emitted)]
        raw[body["pattern"]][category] += 1
        weighted[body["pattern"]][category] += WEIGHT[body["source"]]
    out = {}
    for pattern in raw:
        r, w = raw[pattern], weighted[pattern]
        out[pattern] = {
            "samples": sum(r.values()),
            "raw": {k: r[k] for k in ("tp", "fp", "fn", "partial", "tn")},
            "weighted": {k: w[k] for k in ("tp", "fp", "fn", "partial", "tn")},
            "raw_precision": (r["tp"] + r["partial"] / 2) / (r["tp"] + r["fp"] + r["partial"])
            if r["tp"] + r["fp"] + r["partial"] else None,
            "weighted_recall": w["tp"] / (w["tp"] + w["fn"]) if w["tp"] + w["fn"] else None,
        }  # fmt: skip
    return out


async def post_all(client: AsyncClient, bodies: list[dict[str, Any]]) -> None:
    for start in range(0, len(bodies), 50):
        batch = bodies[start : start + 50]
        answers = await asyncio.gather(*(client.post("/feedback/patterns", json=b) for b in batch))
        assert [a.status_code for a in answers] == [201] * len(batch), answers[0].text


def assert_close(got: float | None, want: float | None) -> None:
    assert (got is None) == (want is None)
    if want is not None:
        assert got == pytest.approx(want, rel=1e-12)


def assert_matches(answer: dict[str, Any], bodies: list[dict[str, Any]]) -> None:
    want = expected(bodies)
    got = {p["pattern"]: p for p in answer["patterns"]}
    assert set(got) == set(want)
    for pattern, figures in want.items():
        item = got[pattern]
        assert item["samples"] == figures["samples"] and item["ignored"] == 0
        assert {k: item["raw"][k] for k in figures["raw"]} == figures["raw"], pattern
        assert {k: item["weighted"][k] for k in figures["weighted"]} == figures["weighted"]
        assert_close(item["raw"]["precision"], figures["raw_precision"])
        assert_close(item["weighted"]["recall"], figures["weighted_recall"])
        if item["precision_interval"] is not None:
            interval = item["precision_interval"]
            assert interval["low"] <= item["raw"]["precision"] <= interval["high"]


@pytest.fixture
async def generation_ids(client: AsyncClient, app_state: dict[str, Any]) -> list[str]:
    return [await store_generation(app_state["sessionmaker"]) for _ in range(3)]


async def test_metrics_equal_the_submitted_counts(
    client: AsyncClient, generation_ids: list[str]
) -> None:
    bodies = submissions(generation_ids, 300, seed=12)
    await post_all(client, bodies)
    response = await client.get("/patterns/metrics")
    assert response.status_code == 200, response.text
    assert_matches(response.json(), bodies)


async def test_the_window_is_applied(client: AsyncClient, generation_ids: list[str]) -> None:
    older, newer = submissions(generation_ids, 120, seed=1), submissions(generation_ids, 80, seed=2)
    await post_all(client, older)
    middle = datetime.now(UTC)
    await post_all(client, newer)
    after = await client.get("/patterns/metrics", params={"since": middle.isoformat()})
    assert after.status_code == 200, after.text
    assert_matches(after.json(), newer)
    before = await client.get("/patterns/metrics", params={"until": middle.isoformat()})
    assert_matches(before.json(), older)
    everything = await client.get(
        "/patterns/metrics", params={"until": datetime.now(UTC).isoformat()}
    )
    assert_matches(everything.json(), older + newer)


async def test_since_after_until_is_refused(client: AsyncClient) -> None:
    params = {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    response = await client.get("/patterns/metrics", params=params)
    assert response.status_code == 422
    assert_error_shape(response.json(), "invalid_window")


def _sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    raise AssertionError(f"{name}{{{wanted}}} not exported")


async def test_prometheus_gauges_follow_the_database(
    client: AsyncClient, generation_ids: list[str]
) -> None:
    """Recording feedback asks for a refresh (no waiting for the 30 s tick): the gauges reach the
    submitted figures within a few seconds."""
    bodies = submissions(generation_ids, 100, seed=3)
    await post_all(client, bodies)
    want = expected(bodies)
    counted = Counter((b["pattern"], b["verdict"], b["source"]) for b in bodies)
    deadline = asyncio.get_running_loop().time() + 5  # the periodic tick is 30 s
    while True:
        text = (await client.get("/metrics")).text
        try:
            for pattern, figures in want.items():
                if figures["weighted_recall"] is not None:
                    got = _sample(text, "codegen_pattern_recall", pattern=pattern)
                    assert got == pytest.approx(figures["weighted_recall"])
            for (pattern, verdict, source), n in counted.items():
                labels = {"pattern": pattern, "verdict": verdict, "source": source}
                assert _sample(text, "codegen_pattern_feedback_total", **labels) == n
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)  # polling for the refresh, not measuring time
