"""Hand-built Plans for rendering and verification tests (no PRD analysis involved)."""

from app.analysis.plan import (
    Entity,
    EntityField,
    ExternalSystem,
    Flow,
    FlowStep,
    KindDecision,
    NodePlan,
    Operation,
    Plan,
    Requirement,
    StateMachine,
    Transition,
)

F = EntityField

HOSTILE = (
    'He said "hi" \'\'\' """ {{ x }} {% if %} \\n\\x00 # not a comment: yes: [a, b] & * ! | > 🎉 é'
)


def _plan(
    nodes: list[NodePlan], *, name: str = "expense_portal", title: str = "Expense portal"
) -> Plan:
    return Plan(
        project_name=name,
        title=title,
        summary="Employees submit expenses; managers approve them.",
        requirements=[
            Requirement(id="FR-001", text="Employees submit expenses with an amount."),
            Requirement(id="FR-002", text="Managers approve or reject expenses."),
            Requirement(id="FR-003", text="Approved expenses are paid via the bank API."),
            Requirement(id="FR-004", text="Totals are computed per employee."),
        ],
        entities=[Entity(name="Expense", fields=[F(name="amount", type="float")])],
        state_machines=[],
        flows=[],
        external_systems=[ExternalSystem(name="bank_api", category="payment")],
        kinds=[KindDecision(kind="COMPUTE", reasons=["r"], requirement_ids=["FR-004"], score=1.0)],
        nodes=nodes,
    )


def compute_node(**overrides: object) -> NodePlan:
    data: dict[str, object] = {
        "kind": "COMPUTE",
        "name": "expense_totals_compute",
        "class_name": "NodeExpenseTotalsCompute",
        "description": "Computes expense totals per employee.",
        "requirement_ids": ["FR-004"],
        "operations": [
            Operation(
                name="compute_total",
                description="Sum the amounts of an employee's expenses.",
                requirement_ids=["FR-004"],
                input_fields=[
                    F(name="employee_id", type="str"),
                    F(name="amounts", type="list[str]"),
                    F(name="currency", type="str", description="ISO currency code"),
                ],
                output_fields=[
                    F(name="employee_id", type="str"),
                    F(name="total", type="float"),
                    F(name="computed_at", type="datetime"),
                ],
            ),
            Operation(
                name="validate_amount",
                description="Check that an amount is positive.",
                requirement_ids=["FR-001"],
                input_fields=[F(name="amount", type="float"), F(name="strict", type="bool")],
                output_fields=[F(name="valid", type="bool"), F(name="amount", type="float")],
            ),
        ],
    }
    data.update(overrides)
    return NodePlan.model_validate(data)


def effect_node(**overrides: object) -> NodePlan:
    data: dict[str, object] = {
        "kind": "EFFECT",
        "name": "bank_payment_effect",
        "class_name": "NodeBankPaymentEffect",
        "description": "Pays approved expenses through the bank API.",
        "requirement_ids": ["FR-003"],
        "external_systems": ["bank_api"],
        "operations": [
            Operation(
                name="pay_expense",
                description="Transfer the approved amount to the employee.",
                requirement_ids=["FR-003"],
                input_fields=[
                    F(name="expense_id", type="str"),
                    F(name="amount", type="float"),
                    F(name="metadata", type="dict[str, str]"),
                ],
                output_fields=[F(name="expense_id", type="str"), F(name="paid", type="bool")],
            ),
            Operation(
                name="refund",
                description="Refund a payment.",
                requirement_ids=["FR-003"],
                input_fields=[
                    F(name="payment_id", type="str"),
                    F(name="requested_at", type="datetime"),
                ],
                output_fields=[
                    F(name="payment_id", type="str"),
                    F(name="requested_at", type="datetime"),
                ],
            ),
        ],
    }
    data.update(overrides)
    return NodePlan.model_validate(data)


EXPENSE_MACHINE = StateMachine(
    name="expense_status",
    states=["draft", "submitted", "approved", "rejected", "paid"],
    initial_state="draft",
    terminal_states=["rejected", "paid"],
    transitions=[
        Transition(from_state="draft", to_state="submitted", trigger="submit"),
        Transition(from_state="submitted", to_state="approved", trigger="approve"),
        Transition(from_state="submitted", to_state="rejected", trigger="reject"),
        Transition(from_state="approved", to_state="paid", trigger="pay"),
    ],
    requirement_ids=["FR-002"],
)


def reducer_node(**overrides: object) -> NodePlan:
    data: dict[str, object] = {
        "kind": "REDUCER",
        "name": "expense_approval_reducer",
        "class_name": "NodeExpenseApprovalReducer",
        "description": "Tracks the approval state of each expense.",
        "requirement_ids": ["FR-001", "FR-002"],
        "state_machine": EXPENSE_MACHINE,
        "operations": [
            Operation(
                name="submit",
                description="Submit an expense for approval.",
                requirement_ids=["FR-001"],
                input_fields=[F(name="expense_id", type="str"), F(name="amount", type="float")],
                output_fields=[F(name="expense_id", type="str")],
            ),
            Operation(
                name="summarise",
                description="Aggregate the expenses seen so far.",
                requirement_ids=["FR-002"],
                input_fields=[F(name="expense_id", type="str"), F(name="amount", type="float")],
                output_fields=[F(name="amount", type="float"), F(name="count", type="int")],
            ),
        ],
    }
    data.update(overrides)
    return NodePlan.model_validate(data)


def orchestrator_node(**overrides: object) -> NodePlan:
    data: dict[str, object] = {
        "kind": "ORCHESTRATOR",
        "name": "expense_workflow_orchestrator",
        "class_name": "NodeExpenseWorkflowOrchestrator",
        "description": "Coordinates submission, approval and payment.",
        "requirement_ids": ["FR-001", "FR-002", "FR-003"],
        "flow": Flow(
            name="expense_flow",
            steps=[
                FlowStep(name="validate", step_type="compute"),
                FlowStep(name="record", step_type="reducer", depends_on=["validate"]),
                FlowStep(name="pay", step_type="effect", depends_on=["record"]),
            ],
        ),
        "operations": [
            Operation(
                name="run_expense_flow",
                description="Run the whole expense flow.",
                requirement_ids=["FR-001"],
            )
        ],
    }
    data.update(overrides)
    return NodePlan.model_validate(data)


def all_kinds_plan() -> Plan:
    return _plan([compute_node(), effect_node(), reducer_node(), orchestrator_node()])


def fold_only_reducer_plan() -> Plan:
    return _plan([reducer_node(state_machine=None)], name="fold_only")


def hostile_plan() -> Plan:
    """Every free-text field is hostile; names are keyword-adjacent or shadow pydantic names."""
    op = Operation(
        name="class_",
        description=HOSTILE,
        requirement_ids=["FR-001"],
        input_fields=[
            F(name="json", type="str", description=HOSTILE),
            F(name="model_type", type="int", description=HOSTILE),
            F(name="self_", type="bool"),
            F(name="copy", type="list[str]"),
        ],
        output_fields=[
            F(name="json", type="str", description=HOSTILE),
            F(name="schema", type="dict[str, str]"),
            F(name="model_type", type="int"),
        ],
    )
    return Plan(
        project_name="hostile_project",
        title=HOSTILE,
        summary=HOSTILE,
        requirements=[Requirement(id='FR-1"; rm -rf /', text=HOSTILE)],
        entities=[],
        state_machines=[],
        flows=[],
        external_systems=[],
        kinds=[],
        nodes=[
            compute_node(
                name="if_compute",
                class_name="NodeIfCompute",
                description=HOSTILE,
                requirement_ids=['FR-1"; rm -rf /'],
                operations=[op],
            ),
            effect_node(
                name="def_effect",
                class_name="NodeDefEffect",
                description=HOSTILE,
                operations=[op],
                external_systems=["import_"],
            ),
            reducer_node(
                name="none_reducer",
                class_name="NodeNoneReducer",
                description="x",
                operations=[op],
            ),
            orchestrator_node(
                name="async_orchestrator",
                class_name="NodeAsyncOrchestrator",
                description=HOSTILE,
                flow=None,
                operations=[op, op.model_copy(update={"name": "lambda_"})],
            ),
        ],
    )
