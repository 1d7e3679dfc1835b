"""The analysis-eval scorer counts what it should on hand-built plans and keys."""

from typing import Any

from app.analysis.plan import (
    ExternalSystem,
    Flow,
    FlowStep,
    NodePlan,
    Plan,
    StateMachine,
    Transition,
)
from lab.analysis.scoring import score, words


def _plan(**parts: Any) -> Plan:
    base: dict[str, Any] = {
        "project_name": "p",
        "title": "t",
        "summary": "",
        "requirements": [],
        "entities": [],
        "state_machines": [],
        "flows": [],
        "external_systems": [],
        "kinds": [],
        "nodes": [],
    }
    return Plan(**(base | parts))


def _node(kind: str) -> NodePlan:
    return NodePlan(
        kind=kind,  # type: ignore[arg-type]
        name=kind.lower(),
        class_name="Node",
        description="",
        requirement_ids=[],
        operations=[],
    )


def _key(**parts: Any) -> dict[str, Any]:
    kinds = {k: {"expected": "absent"} for k in ("EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR")}
    return {"kinds": kinds, "lifecycles": [], "flows": [], "external_systems": []} | parts


def test_kinds_required_found_and_unwarranted_counted() -> None:
    key = _key()
    key["kinds"]["EFFECT"] = {"expected": "required"}
    key["kinds"]["COMPUTE"] = {"expected": "optional"}
    counts = score(key, _plan(nodes=[_node("EFFECT"), _node("COMPUTE"), _node("REDUCER")]))
    assert (counts["kind_found"], counts["kind_required"]) == (1, 1)
    assert (counts["kind_unwarranted"], counts["kind_absent"]) == (1, 2)


def test_refused_plan_finds_nothing() -> None:
    key = _key(external_systems=[{"name": "Stripe"}])
    key["kinds"]["EFFECT"] = {"expected": "required"}
    counts = score(key, None)
    assert counts["kind_found"] == 0 and counts["external_found"] == 0
    assert counts["external_key"] == 1


def test_lifecycle_matched_by_states_and_edges_scored() -> None:
    lifecycle = {
        "states": ["Draft", "submitted", "approved", "rejected"],
        "transitions": [["draft", "submitted"], ["submitted", "approved"]],
    }
    machine = StateMachine(
        name="expense_status",
        states=["draft", "submitted", "approved"],
        initial_state="draft",
        terminal_states=["approved"],
        transitions=[
            Transition(from_state="draft", to_state="submitted", trigger="submit"),
            Transition(from_state="draft", to_state="approved", trigger="approve"),
        ],
    )
    spurious = StateMachine(
        name="lobby_id", states=["x", "y"], initial_state="x", terminal_states=[], transitions=[]
    )
    counts = score(_key(lifecycles=[lifecycle]), _plan(state_machines=[machine, spurious]))
    assert (counts["lifecycle_found"], counts["lifecycle_key"]) == (1, 1)
    assert (counts["machines_spurious"], counts["machines"]) == (1, 2)
    assert (counts["edges_correct"], counts["edges_produced"], counts["edges_key"]) == (1, 2, 2)


def test_unknown_transitions_count_edges_on_open_machines() -> None:
    lifecycle = {"states": ["idle", "running", "alarm"], "transitions": "unknown"}
    machine = StateMachine(
        name="roof_state",
        states=["idle", "running", "alarm"],
        initial_state="idle",
        terminal_states=[],
        transitions=[Transition(from_state="idle", to_state="running", trigger="start")],
    )
    counts = score(_key(lifecycles=[lifecycle]), _plan(state_machines=[machine]))
    assert counts["edges_on_unknown"] == 1 and counts["edges_key"] == 0


def test_flow_needs_two_matching_steps() -> None:
    flow_key = {"steps": ["create_lobby", "join_lobby", "start_game", "complete_game"]}
    good = Flow(
        name="lobby",
        steps=[
            FlowStep(name="lobby_creation", step_type="effect"),
            FlowStep(name="join_lobby", step_type="reducer"),
            FlowStep(name="start_game", step_type="compute"),
        ],
    )
    one_step = Flow(name="x", steps=[FlowStep(name="start_game", step_type="compute")])
    counts = score(_key(flows=[flow_key]), _plan(flows=[one_step, good]))
    assert (counts["flow_found"], counts["flows_spurious"]) == (1, 1)


def test_external_names_match_without_generic_words() -> None:
    key = _key(external_systems=[{"name": "Telegram Bot API"}, {"name": "Twilio"}])
    plan = _plan(external_systems=[ExternalSystem(name="telegram", category="chat")])
    counts = score(key, plan)
    assert (counts["external_found"], counts["external_key"]) == (1, 2)


def test_words_are_stemmed() -> None:
    assert words("lobby_creation") == words("create lobby") == {"lobby", "creat"}
    assert words("approval") == words("approve") == words("approved")
