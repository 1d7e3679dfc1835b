"""Kind decisions: evidence thresholds, reasons, and kinds that must not be produced."""

from app.analysis.service import analyse
from tests.analysis.conftest import fixture_text


def _kinds(text: str) -> set[str]:
    return {d.kind for d in analyse(text).kinds}


def test_cli_tool_gets_no_orchestrator_or_reducer() -> None:
    assert _kinds(fixture_text("cli_tool.md")) == {"EFFECT", "COMPUTE"}


def test_stateless_converter_gets_only_compute() -> None:
    plan = analyse(fixture_text("converter.md"))
    assert [d.kind for d in plan.kinds] == ["COMPUTE"]
    assert [n.class_name for n in plan.nodes] == ["NodeUnitConverterCompute"]


def test_workflow_with_lifecycle_gets_all_four_kinds_with_evidence() -> None:
    plan = analyse(fixture_text("approval_workflow.md"))
    decisions = {d.kind: d for d in plan.kinds}
    assert set(decisions) == {"EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR"}
    assert "R-011" in decisions["REDUCER"].requirement_ids  # aggregate daily totals
    assert any("application_status" in r for r in decisions["REDUCER"].reasons)
    assert any("core_workflow" in r for r in decisions["ORCHESTRATOR"].reasons)
    assert "R-012" in decisions["EFFECT"].requirement_ids  # publish to Kafka
    reducer = next(n for n in plan.nodes if n.kind == "REDUCER")
    assert reducer.state_machine is not None and reducer.state_machine.name == "application_status"


def test_single_weak_keyword_is_not_enough() -> None:
    text = "## Requirements\n\n- The page shows the build status.\n- The page uses a blue theme.\n"
    plan = analyse(text)
    assert plan.kinds == [] and plan.nodes == []


def test_two_strong_requirements_are_enough() -> None:
    text = "## Requirements\n\n- Send a welcome email.\n- Store the user in the database.\n"
    plan = analyse(text)
    (decision,) = plan.kinds
    assert decision.kind == "EFFECT" and decision.requirement_ids == ["R-001", "R-002"]
    assert any("email" in r for r in decision.reasons)


def test_negated_and_out_of_scope_statements_are_not_evidence() -> None:
    text = (
        "## Requirements\n\n- Calculate the shipping price.\n- Validate the address.\n"
        "- Never send emails without consent.\n\n"
        "## Out of Scope\n\n- Send SMS.\n- Publish to Kafka.\n"
    )
    assert _kinds(text) == {"COMPUTE"}


def test_capabilities_are_collected_per_node() -> None:
    plan = analyse(fixture_text("approval_workflow.md"))
    effect = next(n for n in plan.nodes if n.kind == "EFFECT")
    assert {"retry", "events"} <= set(effect.capabilities)
