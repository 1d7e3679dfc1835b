"""The /mixins API: catalog, prediction, validation errors, feedback, model training."""

import asyncio
import itertools
from typing import Any

from httpx import AsyncClient

from app.config import Settings
from app.mixins.keys import KINDS, ORDERS

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


async def test_predict_validation_errors_name_the_offending_value(client: AsyncClient) -> None:
    cases = [
        ({**PAIR, "mixins": ["MixinCaching", "MixinNope"]}, "MixinNope"),
        ({**PAIR, "mixins": []}, []),
        ({**PAIR, "node_kind": "gateway"}, "gateway"),
        ({"items": []}, []),
        ({"items": [PAIR, {**PAIR, "node_kind": "nodey"}]}, "nodey"),
    ]
    for body, value in cases:
        response = await client.post("/mixins/predict", json=body)
        assert response.status_code == 422, body
        assert response.json()["value"] == value
    too_many = await client.post("/mixins/predict", json={"items": [PAIR] * 1001})
    assert too_many.status_code == 422
    bad_order = await client.post("/mixins/predict", json={**PAIR, "order": "sideways"})
    assert bad_order.status_code == 422 and bad_order.json()["value"] == "sideways"


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
    assert bad.status_code == 422 and bad.json()["value"] == "X"


async def test_feedback_updates_counts_and_prediction(client: AsyncClient) -> None:
    body = {**PAIR, "node_kind": "reducer", "success": True, "generation_id": "g1"}
    first = (await client.post("/mixins/feedback", json=body)).json()
    assert (first["success_count"], first["failure_count"]) == (1, 0)
    second = (await client.post("/mixins/feedback", json={**body, "success": False,
                                                          "error": "boom"})).json()  # fmt: skip
    assert (second["success_count"], second["failure_count"]) == (1, 1)
    assert second["pending_feedback"] == 2
    pred = (await client.post("/mixins/predict", json={**PAIR, "node_kind": "reducer"})).json()
    assert pred["source"] == "measured" and pred["probability"] == 0.5
    assert any("measured" in r for r in pred["reasons"])
    summary = (await client.get("/mixins/compatibility")).json()
    assert any(r["node_kind"] == "reducer" for r in summary["by_kind"])
    bad = await client.post("/mixins/feedback", json={**body, "mixins": ["MixinCaching", "Y"]})
    assert bad.status_code == 422 and bad.json()["value"] == "Y"


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
    second = await client.post("/mixins/model/train")
    assert second.status_code == 409
    info = await _wait_idle(client)
    assert info["framework_version"] and info["n_outcomes"] >= len(responses)
