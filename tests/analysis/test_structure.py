"""Entities, lifecycles, flows and external systems."""

from app.analysis.service import analyse
from tests.analysis.conftest import fixture_text


def test_entities_from_key_entities_and_code_blocks() -> None:
    plan = analyse(fixture_text("approval_workflow.md"))
    entities = {e.name: {f.name: f.type for f in e.fields} for e in plan.entities}
    assert entities["LoanApplication"] == {
        "applicant_name": "str",
        "amount": "float",
        "term_months": "str",
        "credit_score": "float",
    }
    assert entities["Disbursement"]["disbursed_at"] == "datetime"
    todo = {
        e.name: {f.name: f.type for f in e.fields}
        for e in analyse(fixture_text("cli_tool.md")).entities
    }
    assert todo["TodoItem"] == {
        "id": "str",
        "title": "str",
        "priority": "int",
        "done": "bool",
        "created_at": "datetime",
        "tags": "list[str]",
    }


def test_arrow_lifecycle_becomes_a_state_machine() -> None:
    plan = analyse(fixture_text("approval_workflow.md"))
    (machine,) = plan.state_machines
    assert machine.name == "application_status"
    assert machine.states == ["draft", "submitted", "under_review", "approved", "disbursed"]
    assert machine.initial_state == "draft" and machine.terminal_states == ["disbursed"]
    assert [(t.from_state, t.trigger) for t in machine.transitions][:2] == [
        ("draft", "submit"),
        ("submitted", "mark_under_review"),
    ]


def test_status_enumeration_infers_failure_terminals() -> None:
    text = (
        "## Orders\n\n- Each order has a lifecycle:\n  - `CREATED`\n  - `PAID`\n  - `CANCELLED`\n"
    )
    text += "- Payments have a status: initiated, succeeded, failed\n"
    plan = analyse(text)
    order, payment = plan.state_machines
    assert order.name == "order_lifecycle" and order.states == ["created", "paid", "cancelled"]
    assert set(order.terminal_states) == {"paid", "cancelled"}
    assert payment.states == ["initiated", "succeeded", "failed"]
    assert order.requirement_ids == ["R-001"]


def test_statuses_section_lists_states() -> None:
    text = "## Ticket Statuses\n\n- `open`: new ticket\n- `in_progress`: being worked\n"
    text += "- `closed`: done\n"
    (machine,) = analyse(text).state_machines
    assert machine.name == "ticket_status"
    assert machine.states == ["open", "in_progress", "closed"]


def test_numbered_workflow_becomes_a_flow_with_typed_steps() -> None:
    plan = analyse(fixture_text("approval_workflow.md"))
    (flow,) = plan.flows
    assert flow.name == "core_workflow" and len(flow.steps) == 5
    assert flow.steps[1].step_type == "compute"  # calculates a risk score
    assert flow.steps[3].step_type == "effect"  # disbursed through the bank API
    assert flow.steps[2].depends_on == [flow.steps[1].name]
    orchestrator = next(n for n in plan.nodes if n.kind == "ORCHESTRATOR")
    assert orchestrator.flow == flow


def test_external_systems_are_detected() -> None:
    plan = analyse(fixture_text("approval_workflow.md"))
    systems = {s.name: (s.category, s.label) for s in plan.external_systems}
    assert systems["apache_kafka"] == ("broker", "Apache Kafka")
    assert systems["email"] == ("email", "Email")
    invoice = analyse(fixture_text("table_ids.md"))
    assert {"postgresql", "smtp"} <= {s.name for s in invoice.external_systems}
