"""Detections and findings stored with each generation; thresholds the pipeline reads."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from httpx import AsyncClient

from app.analysis.plan import Detection
from app.analysis.service import analyse
from app.generation.findings import automated_verdicts, findings
from app.generation.pipeline import Pipeline
from app.generation.template_cache import build_environment

FIXTURES = Path(__file__).parent / "fixtures"
ORDER_PRD = (FIXTURES / "order_service.md").read_text()
STATES_ONLY_PRD = """# Parcels

- The service shall store each parcel with its status: created, shipped, delivered, lost.
- The service shall record when a parcel's status changes.
- The service shall count parcels per status.
"""


async def test_generate_answers_and_stores_its_detections(client: AsyncClient) -> None:
    response = await client.post("/generate", json={"prd": ORDER_PRD, "verify": False})
    assert response.status_code == 201, response.text[:1000]
    answered = response.json()["detections"]
    patterns = {d["pattern"] for d in answered}
    assert {"kind.effect", "kind.compute", "kind.reducer", "kind.orchestrator"} <= patterns
    assert any(p.startswith("operation.") for p in patterns)
    stored = await client.get(f"/generations/{response.json()['id']}")
    assert stored.json()["detections"] == answered
    assert stored.json()["feedback"] is None  # nobody has said anything yet


async def test_plan_shows_detections_too(client: AsyncClient) -> None:
    response = await client.post("/generate/plan", json={"prd": ORDER_PRD})
    assert response.status_code == 200
    assert {d["pattern"] for d in response.json()["detections"]} >= {"kind.effect"}


def test_open_transition_table_is_a_finding_with_a_verdict_on_its_lifecycle() -> None:
    plan = analyse(STATES_ONLY_PRD)
    found = findings(plan)
    open_tables = [f for f in found if f.pattern == "finding.open_transition_table"]
    assert open_tables and all(f.emitted and f.confidence == 1.0 for f in open_tables)
    detections = [*plan.detections, *found]
    verdicts = automated_verdicts(detections, {})
    lifecycle_ids = {d.id for d in plan.detections if d.pattern == "lifecycle"}
    on_lifecycles = [v for v in verdicts if v.detection_id in lifecycle_ids]
    assert on_lifecycles and all(v.verdict == "partial" for v in on_lifecycles)


def test_a_failed_package_is_an_incorrect_verdict_on_each_of_its_operations() -> None:
    plan = analyse(ORDER_PRD)
    node = plan.nodes[0]
    verdicts = automated_verdicts(plan.detections, {node.name: ["pytest"]})
    incorrect = [v for v in verdicts if v.verdict == "incorrect"]
    assert {v.detection_id for v in incorrect} == {
        d.id for d in plan.detections if d.node == node.name and d.operation is not None
    }
    assert all("pytest" in v.comment for v in incorrect)


def test_uncovered_requirements_are_one_finding() -> None:
    plan = analyse(ORDER_PRD)
    covered = {rid for node in plan.nodes for rid in node.requirement_ids}
    uncovered = [r.id for r in plan.requirements if r.id not in covered]
    found = [f for f in findings(plan) if f.pattern == "finding.uncovered_requirement"]
    assert [f.requirement_ids for f in found] == ([uncovered[:50]] if uncovered else [])


class _Thresholds:
    def __init__(self, values: Mapping[str, float]) -> None:
        self.values = values

    async def active(self) -> Mapping[str, float]:
        return self.values


async def test_the_pipeline_plans_with_the_active_thresholds() -> None:
    templates: jinja2.Environment = build_environment()
    default = await Pipeline(templates=templates, verifier=None).plan(ORDER_PRD, project_name=None)
    tuned = Pipeline(
        templates=templates, verifier=None, thresholds=_Thresholds({"kind.orchestrator": 0.99})
    )
    plan = await tuned.plan(ORDER_PRD, project_name=None)
    assert "ORCHESTRATOR" in {n.kind for n in default.nodes}
    assert "ORCHESTRATOR" not in {n.kind for n in plan.nodes}
    candidate: Detection = next(d for d in plan.detections if d.pattern == "kind.orchestrator")
    assert not candidate.emitted


async def test_the_service_generates_with_the_active_tuned_threshold(
    client: AsyncClient, app_state: dict[str, Any]
) -> None:
    """A threshold applied in the database (as POST /patterns/tune does) changes what the next
    request produces, and rolling it back restores the default."""
    store = app_state["thresholds"]
    before = await client.post("/generate/plan", json={"prd": ORDER_PRD})
    assert "ORCHESTRATOR" in {n["kind"] for n in before.json()["nodes"]}
    applied = await store.apply("kind.orchestrator", 0.999, {}, None)
    assert applied is not None
    try:
        tuned = await client.post("/generate/plan", json={"prd": ORDER_PRD})
        assert "ORCHESTRATOR" not in {n["kind"] for n in tuned.json()["nodes"]}
        candidate = next(d for d in tuned.json()["detections"] if d["id"] == "kind.orchestrator")
        assert candidate["emitted"] is False
    finally:
        await store.rollback("kind.orchestrator")
    after = await client.post("/generate/plan", json={"prd": ORDER_PRD})
    assert "ORCHESTRATOR" in {n["kind"] for n in after.json()["nodes"]}
