"""User reports never overwrite a measured outcome (issue 11: six reports flipped a measured
composition and emptied /mixins/recommend). A report that contradicts a measurement makes the
real oracle run the composition again; one on an unmeasured composition is weighted evidence."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import Settings
from app.mixins.models import MixinFeedback, MixinOutcome
from app.mixins.service import MixinService

MEASURED = {
    "node_kind": "effect",
    "order": "node_first",
    "mixins": ["MixinCaching", "MixinMetrics"],
}
RECOMMEND = {"node_kind": "effect", "mixins": ["MixinCaching"], "capabilities": ["metrics"]}
KINDS = ("compute", "reducer", "effect")


async def _candidates(client: AsyncClient) -> AsyncIterator[dict[str, Any]]:
    """Pairs of catalogued mixins, mixins_first first: the shared app's predictor remembers
    what earlier tests measured (generation confirms node_first compositions) or reported."""
    names = sorted(m["name"] for m in (await client.get("/mixins")).json()["mixins"])
    for order in ("mixins_first", "node_first"):
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                for kind in KINDS:
                    yield {"node_kind": kind, "order": order, "mixins": [first, second]}


async def _outcome(engine: AsyncEngine, q: dict[str, Any]) -> MixinOutcome | None:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(
            select(MixinOutcome).where(
                MixinOutcome.node_kind == q["node_kind"],
                MixinOutcome.class_order == q["order"],
                MixinOutcome.mixin_key == "+".join(sorted(q["mixins"])),
            )
        )
        return rows.first()


async def test_conflicting_reports_never_flip_a_measured_outcome(
    client: AsyncClient, app_state: dict[str, Any], cleanup_engine: AsyncEngine
) -> None:
    svc: MixinService = app_state["mixins"]
    # measured compatible, and recorded in this test's database
    assert (await svc.advisor.measure_one("effect", MEASURED["mixins"], "node_first")).ok
    measured = await _outcome(cleanup_engine, MEASURED)
    assert measured is not None and measured.success_count >= 1 and measured.failure_count == 0
    runs_before = measured.success_count
    recommended = (await client.post("/mixins/recommend", json=RECOMMEND)).json()
    assert "MixinMetrics" in [r["mixin"] for r in recommended["recommendations"]]

    for _ in range(6):
        response = await client.post(
            "/mixins/feedback", json={**MEASURED, "success": False, "error": "it broke for me"}
        )
        assert response.status_code == 201
        said = response.json()
        assert said["recorded"] is True and said["source"] == "user"
        assert said["conflicts_with_measured"] is True
        assert said["remeasured"] == "compatible" and said["measured"] == "compatible"

    pred = (await client.post("/mixins/predict", json=MEASURED)).json()
    assert pred["source"] == "measured" and pred["compatible"] is True
    assert (await client.post("/mixins/recommend", json=RECOMMEND)).json() == recommended
    after = await _outcome(cleanup_engine, MEASURED)
    assert after is not None and after.failure_count == 0
    assert after.success_count == runs_before + 6  # each conflict was re-measured and recorded
    async with AsyncSession(cleanup_engine) as session:
        reports = list(await session.scalars(select(MixinFeedback)))
    assert len(reports) == 6
    assert all(r.source == "user" and r.conflicts_with_measured for r in reports)
    assert {r.remeasured for r in reports} == {"compatible"}


async def test_agreeing_report_is_not_remeasured(
    client: AsyncClient, app_state: dict[str, Any], cleanup_engine: AsyncEngine
) -> None:
    svc: MixinService = app_state["mixins"]
    assert (await svc.advisor.measure_one("effect", MEASURED["mixins"], "node_first")).ok
    runs = (await _outcome(cleanup_engine, MEASURED)).success_count  # type: ignore[union-attr]
    said = (await client.post("/mixins/feedback", json={**MEASURED, "success": True})).json()
    assert said["conflicts_with_measured"] is False and said["remeasured"] is None
    assert said["measured"] == "compatible"
    assert (await _outcome(cleanup_engine, MEASURED)).success_count == runs  # type: ignore[union-attr]


async def test_reports_on_an_unmeasured_composition_shift_it_by_their_weight(
    client: AsyncClient, settings: Settings, cleanup_engine: AsyncEngine
) -> None:
    """The model's (or rule's) answer moves by each report's weight; nothing is measured."""
    async for UNMEASURED in _candidates(client):  # the first one the model answers for
        before = (await client.post("/mixins/predict", json=UNMEASURED)).json()
        if before["source"] in ("model", "rule_singles") and before["probability"] > 0.1:
            break
    else:
        raise AssertionError("no candidate composition is answered by the model")
    for _ in range(6):
        said = (await client.post("/mixins/feedback", json={**UNMEASURED, "success": False})).json()
        assert said["source"] == "user" and said["conflicts_with_measured"] is False
        assert said["remeasured"] is None and said["measured"] is None
    assert (said["success_count"], said["failure_count"]) == (0, 6)
    after = (await client.post("/mixins/predict", json=UNMEASURED)).json()
    assert after["source"] == before["source"] + "+user"
    w = settings.mixins.feedback_weight
    assert abs(after["probability"] - before["probability"] / (1 + 6 * w)) < 1e-3
    assert await _outcome(cleanup_engine, UNMEASURED) is None  # never stored as measured


async def test_reports_do_not_shift_a_static_rule(client: AsyncClient) -> None:
    conflict = {"node_kind": "orchestrator", "order": "node_first",
                "mixins": ["MixinHandlerRouting", "MixinWorkflowExecution"]}  # fmt: skip
    for _ in range(3):
        await client.post("/mixins/feedback", json={**conflict, "success": True})
    pred = (await client.post("/mixins/predict", json=conflict)).json()
    assert pred["source"] == "static_rule" and pred["compatible"] is False


async def test_conflict_without_an_oracle_keeps_the_measurement(
    client: AsyncClient,
    app_state: dict[str, Any],
    cleanup_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the oracle cannot run, the conflicting report is still only a user report."""
    svc: MixinService = app_state["mixins"]
    assert (await svc.advisor.measure_one("effect", MEASURED["mixins"], "node_first")).ok
    runs = (await _outcome(cleanup_engine, MEASURED)).success_count  # type: ignore[union-attr]

    async def unavailable(*_: object) -> None:
        return None

    monkeypatch.setattr(svc.advisor, "remeasure", unavailable)
    said = (await client.post("/mixins/feedback", json={**MEASURED, "success": False})).json()
    assert said["conflicts_with_measured"] is True and said["remeasured"] is None
    assert said["measured"] == "compatible"
    assert (await _outcome(cleanup_engine, MEASURED)).success_count == runs  # type: ignore[union-attr]
    pred = (await client.post("/mixins/predict", json=MEASURED)).json()
    assert pred["source"] == "measured" and pred["compatible"] is True
