"""The /mixins API: catalog, prediction, validation errors, feedback, model training."""

import asyncio
import itertools
from typing import Any

from httpx import AsyncClient

from app.config import Settings
from app.mixins.catalog import KINDS, ORDERS

PAIR = {"node_kind": "effect", "mixins": ["MixinMetrics", "MixinCaching"], "order": "node_first"}


async def test_catalog_lists_profiles(client: AsyncClient) -> None:
    response = await client.get("/mixins")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 40 and body["framework_version"]
    caching = next(m for m in body["mixins"] if m["name"] == "MixinCaching")
    assert caching["capability"] and "caching" in caching["tags"]


async def test_predict_single_and_batch(client: AsyncClient) -> None:
    response = await client.post("/mixins/predict", json=PAIR)
    assert response.status_code == 200
    one = response.json()
    assert one["mixins"] == ["MixinCaching", "MixinMetrics"]  # canonical order
    assert set(one) >= {"compatible", "probability", "model_version", "reasons", "source"}
    conflict = {"node_kind": "orchestrator", "order": "node_first",
                "mixins": ["MixinHandlerRouting", "MixinWorkflowExecution"]}  # fmt: skip
    response = await client.post("/mixins/predict", json={"items": [PAIR, conflict] * 300})
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 600
    assert items[1]["compatible"] is False and items[1]["source"] == "static_rule"


async def test_predict_validation_errors_name_the_offending_field(client: AsyncClient) -> None:
    """Every invalid body is a 422 `invalid_input` whose `errors` point at the offending field
    (`one` / `batch`: which of the two body shapes it was checked against)."""
    cases = [
        ({**PAIR, "mixins": ["MixinCaching", "MixinNope"]},
         ["body", "one", "mixins", 1], "MixinNope"),
        ({**PAIR, "mixins": []}, ["body", "one", "mixins"], "at least 1"),
        ({**PAIR, "node_kind": "gateway"}, ["body", "one", "node_kind"], "'effect'"),
        ({**PAIR, "order": "sideways"}, ["body", "one", "order"], "'node_first'"),
        ({"items": []}, ["body", "batch", "items"], "at least 1"),
        ({"items": [PAIR] * 1001}, ["body", "batch", "items"], "at most 1000"),
        ({"items": [PAIR, {**PAIR, "node_kind": "nodey"}]},
         ["body", "batch", "items", 1, "node_kind"], "'effect'"),
        ({"items": [PAIR, {**PAIR, "mixins": ["Y"]}]},
         ["body", "batch", "items", 1, "mixins", 0], "'Y'"),
    ]  # fmt: skip
    for body, loc, said in cases:
        response = await client.post("/mixins/predict", json=body)
        assert response.status_code == 422, body
        error = response.json()
        assert error["error"] == "invalid_input" and error["detail"] and error["correlation_id"]
        assert [e["loc"] for e in error["errors"]] == [loc], error
        assert said in error["errors"][0]["msg"], error
    upper = await client.post("/mixins/predict", json={**PAIR, "node_kind": "EFFECT"})
    assert upper.status_code == 200 and upper.json()["node_kind"] == "effect"


async def test_recommend(client: AsyncClient) -> None:
    response = await client.post(
        "/mixins/recommend", json={"node_kind": "compute", "capabilities": ["caching"]}
    )
    assert response.status_code == 200
    recs = response.json()["recommendations"]
    assert recs and recs[0]["mixin"] == "MixinCaching"
    several = await client.post(
        "/mixins/recommend",
        json={"node_kind": "effect", "capabilities": ["caching", "metrics", "health", "events"]},
    )
    top = [r["mixin"] for r in several.json()["recommendations"]]
    assert top[:4] == ["MixinCaching", "MixinMetrics", "MixinHealthCheck", "MixinEventBus"]
    bad = await client.post("/mixins/recommend", json={"node_kind": "compute", "mixins": ["X"]})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"loc": ["body", "mixins", 0], "msg": "unknown mixin 'X'", "type": "unknown_mixin"}
    ]


async def test_feedback_is_user_evidence_not_a_measurement(client: AsyncClient) -> None:
    """A report on a composition nobody measured is stored as a user report: it shifts the
    prediction (`+user`) but is not a measured outcome (nor in /mixins/compatibility)."""
    before = (await client.post("/mixins/predict", json={**PAIR, "node_kind": "reducer"})).json()
    body = {**PAIR, "node_kind": "reducer", "success": True, "generation_id": "g1"}
    first = (await client.post("/mixins/feedback", json=body)).json()
    assert (first["success_count"], first["failure_count"]) == (1, 0)
    assert first["recorded"] is True and first["source"] == "user"
    assert first["conflicts_with_measured"] is False and first["remeasured"] is None
    second = (await client.post("/mixins/feedback", json={**body, "success": False,
                                                          "error": "boom"})).json()  # fmt: skip
    assert (second["success_count"], second["failure_count"]) == (1, 1)
    assert second["pending_feedback"] == 2 and second["measured"] is None
    pred = (await client.post("/mixins/predict", json={**PAIR, "node_kind": "reducer"})).json()
    assert pred["source"] == before["source"] + "+user"
    assert any("user reports: 1 passed, 1 failed" in r for r in pred["reasons"])
    summary = (await client.get("/mixins/compatibility")).json()
    assert not any(r["node_kind"] == "reducer" and r["n_mixins"] == 2 for r in summary["rows"])
    bad = await client.post("/mixins/feedback", json={**body, "mixins": ["MixinCaching", "Y"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "mixins", 1]
    empty = await client.post("/mixins/feedback", json={**body, "mixins": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["loc"] == ["body", "mixins"]


async def _wait_idle(client: AsyncClient) -> dict[str, Any]:
    for _ in range(400):
        info: dict[str, Any] = (await client.get("/mixins/model")).json()
        if not info["training"]:
            return info
        await asyncio.sleep(0.05)
    raise AssertionError("training did not finish")


async def test_feedback_triggers_retraining_and_train_conflicts(
    client: AsyncClient, settings: Settings
) -> None:
    early = await client.post("/mixins/model/train")
    assert early.status_code == 409  # nothing measured yet in this test's database
    assert early.json()["error"] == "conflict"
    names = ["MixinCaching", "MixinMetrics", "MixinHealthCheck", "MixinFailFast", "MixinEventBus"]
    pairs = list(itertools.combinations(names, 2))
    responses = []
    for i, (kind, order, pair) in enumerate(itertools.product(KINDS, ORDERS, pairs)):
        body = {"node_kind": kind, "order": order, "mixins": list(pair), "success": i % 3 != 0}
        responses.append((await client.post("/mixins/feedback", json=body)).json())
    n = settings.mixins.retrain_after_feedback
    assert len(responses) >= n
    assert not responses[n - 2]["retrain_scheduled"] and responses[n - 1]["retrain_scheduled"]
    info = await _wait_idle(client)
    assert info["loaded"] and info["model_version"] and info["training_data_hash"]
    first = await client.post("/mixins/model/train")
    assert first.status_code == 202
    assert first.json()["status"] == "training" and first.json()["training"] is True
    second = await client.post("/mixins/model/train")
    assert second.status_code == 409
    info = await _wait_idle(client)
    assert info["framework_version"] and info["n_outcomes"] >= len(responses)
