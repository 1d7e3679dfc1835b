"""A tracker export: no markdown headings, stories as "Story KEY-N:" lines with indented
acceptance bullets, a status list in parentheses and a workflow whose steps are inline."""

from app.analysis.service import analyse
from tests.analysis.conftest import fixture_text


def test_labelled_story_keys_are_kept_as_requirement_ids() -> None:
    plan = analyse(fixture_text("tracker_export.txt"))
    ids = [r.id for r in plan.requirements]
    assert [i for i in ids if i.startswith("WSO-")] == ["WSO-12", "WSO-13", "WSO-14", "WSO-15"]
    story = next(r for r in plan.requirements if r.id == "WSO-13")
    assert story.text.startswith("As an analyst I want a velocity score")


def test_parenthesised_status_list_is_a_lifecycle() -> None:
    plan = analyse(fixture_text("tracker_export.txt"))
    (machine,) = plan.state_machines
    assert machine.states == ["draft", "proposed", "approved", "applied", "rolled_back"]
    assert machine.requirement_ids == ["WSO-14"]


def test_inline_workflow_steps_make_an_orchestrator_with_that_flow() -> None:
    plan = analyse(fixture_text("tracker_export.txt"))
    assert {k.kind for k in plan.kinds} == {"EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR"}
    (orchestrator,) = [n for n in plan.nodes if n.kind == "ORCHESTRATOR"]
    assert orchestrator.flow is not None
    assert [s.name for s in orchestrator.flow.steps] == [
        "generate_plan",
        "request_approval",
        "push_moves",
        "confirm_completion",
    ]
    assert "WSO-15" in orchestrator.requirement_ids


def test_a_short_inline_list_is_not_a_workflow() -> None:
    text = "- The export workflow must be fast: stream rows, then close.\n- It must log errors.\n"
    assert analyse(text).flows == []
