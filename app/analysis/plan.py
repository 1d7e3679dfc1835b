"""The analysed PRD: the contract between PRD analysis, rendering and verification.

Everything here is plain data. Every `name` that ends up in generated code is already a valid,
non-keyword Python identifier (snake_case for modules/fields/operations, PascalCase for classes);
free text (descriptions, requirement text) is kept verbatim and must only ever be emitted
through `repr()` / a YAML serializer, never pasted into code.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

NodeKind = Literal["EFFECT", "COMPUTE", "REDUCER", "ORCHESTRATOR"]
FieldType = Literal["str", "int", "float", "bool", "datetime", "list[str]", "dict[str, str]"]
StepType = Literal["compute", "effect", "reducer", "orchestrator"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Requirement(_Frozen):
    id: str  # the PRD's own id ("FR-001", "FR1", "REQ-3.2") or a stable assigned one ("R-001")
    text: str
    section: str = ""  # heading path it was found under, "" when none
    source: str = (
        "bullet"  # how it was recognised: id, table, ears, story, criterion, checkbox, ...
    )


class EntityField(_Frozen):
    name: str  # snake_case identifier
    type: FieldType = "str"
    description: str = ""


class Entity(_Frozen):
    name: str  # PascalCase identifier, e.g. "Payment"
    fields: list[EntityField] = Field(default_factory=list)
    description: str = ""


ANY_STATE = "*"  # from_state of an open table's transitions: the framework's wildcard


class Transition(_Frozen):
    from_state: str  # snake_case identifiers, or ANY_STATE
    to_state: str
    trigger: str


class StateMachine(_Frozen):
    name: str  # snake_case, e.g. "expense_status"
    states: list[str]
    initial_state: str
    terminal_states: list[str]
    transitions: list[Transition]
    requirement_ids: list[str] = Field(default_factory=list)
    # True when the PRD lists the states without saying how they connect: the table is open
    # (one wildcard transition into each state) instead of edges nobody wrote
    transitions_open: bool = False


class FlowStep(_Frozen):
    name: str  # snake_case
    step_type: StepType
    depends_on: list[str] = Field(default_factory=list)  # names of earlier steps
    description: str = ""


class Flow(_Frozen):
    name: str  # snake_case
    steps: list[FlowStep]
    requirement_ids: list[str] = Field(default_factory=list)


class ExternalSystem(_Frozen):
    name: str  # snake_case
    category: str  # a category of the catalogue: payment, chat, database, broker, llm, ...
    label: str = ""  # the system's name as users write it ("Stripe", "Google Calendar")
    requirement_ids: list[str] = Field(default_factory=list)


class Operation(_Frozen):
    name: str  # snake_case identifier, unique within its node
    description: str
    requirement_ids: list[str]
    input_fields: list[EntityField] = Field(default_factory=list)
    output_fields: list[EntityField] = Field(default_factory=list)


class KindDecision(_Frozen):
    kind: NodeKind
    reasons: list[str]  # human-readable evidence, e.g. "FR-003 sends email notifications"
    requirement_ids: list[str]
    score: float


class NodePlan(_Frozen):
    kind: NodeKind
    name: str  # snake_case package name, e.g. "expense_approval_reducer"
    class_name: str  # e.g. "NodeExpenseApprovalReducer"
    description: str
    requirement_ids: list[str]
    operations: list[Operation]
    entities: list[str] = Field(default_factory=list)  # Entity.name values used by this node
    state_machine: StateMachine | None = None  # REDUCER only
    flow: Flow | None = None  # ORCHESTRATOR only
    external_systems: list[str] = Field(default_factory=list)  # EFFECT mostly
    capabilities: list[str] = Field(default_factory=list)  # caching, metrics, events, health, ...
    mixins: list[str] = Field(default_factory=list)  # filled by mixin recommendation, node first
    mixin_modules: dict[str, str] = Field(default_factory=dict)  # mixin name -> its module


class Detection(_Frozen):
    """One decision the generator made, with its confidence: what feedback is given on."""

    id: str  # stable within its generation, e.g. "kind.effect", "lifecycle:order_status"
    pattern: str  # one of app.analysis.patterns.all_patterns()
    confidence: float  # 0..1
    emitted: bool  # False: a candidate below its threshold (a "missed" verdict can name it)
    node: str | None = None
    operation: str | None = None
    requirement_ids: list[str] = Field(default_factory=list)


class Plan(_Frozen):
    project_name: str  # snake_case identifier for the archive's top-level package
    title: str
    summary: str
    requirements: list[Requirement]
    entities: list[Entity]
    state_machines: list[StateMachine]
    flows: list[Flow]
    external_systems: list[ExternalSystem]
    kinds: list[KindDecision]
    nodes: list[NodePlan]
    # names changed so the package works (a module it would shadow, a name shortened): said once
    warnings: list[str] = Field(default_factory=list)
    # every decision made, emitted or not, with its confidence: what feedback is given on
    detections: list[Detection] = Field(default_factory=list)
