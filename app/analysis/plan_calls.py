"""Facts derived from the Plan that rendering and verification must agree on.

Where each node package lives (`package_path`) and how each operation of a node is invoked
(which envelope, which dispatch key, which example payload: `node_calls`). The generated
tests and our own verifier both derive them from the Plan through this module, so the
verifier never has to trust the generated tests and never imports the renderer.
Pure data, no Jinja, cheap to import in the sandbox.
"""

from collections import deque
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from app.analysis.plan import ANY_STATE, EntityField, NodePlan, Plan, StateMachine

type JsonObject = dict[str, Any]

_SAMPLE_BY_TYPE: dict[str, Any] = {
    "str": "example",
    "int": 3,
    "float": 2.5,
    "bool": True,
    "datetime": "2025-01-15T09:30:00+00:00",
    "list[str]": ["alpha", "beta"],
    "dict[str, str]": {"key": "value"},
}

# EnumEffectType member used for an EFFECT node, by the category of its first external system.
_EFFECT_TYPE_BY_CATEGORY: dict[str, str] = {
    "database": "DATABASE_OPERATION",
    "cache": "DATABASE_OPERATION",
    "storage": "FILE_OPERATION",
    "object_storage": "FILE_OPERATION",
    "file_system": "FILE_OPERATION",
    "broker": "EVENT_EMISSION",
    "file": "FILE_OPERATION",
    "filesystem": "FILE_OPERATION",
    "queue": "EVENT_EMISSION",
    "event": "EVENT_EMISSION",
    "events": "EVENT_EMISSION",
    "message_queue": "EVENT_EMISSION",
    "metrics": "METRICS_COLLECTION",
}

# Names a pydantic model field must not take (they shadow BaseModel attributes).
RESERVED_FIELD_NAMES = frozenset(
    {n for n in dir(BaseModel) if not n.startswith("_")} | {"model_config", "self"}
)


class OperationCall(BaseModel):
    """How to invoke one operation of a node through its own `process()`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    sample: JsonObject
    mode: Literal["compute", "effect", "fold", "transition", "workflow"]
    prelude: list[str] = []  # REDUCER transitions: triggers fired first to reach from_state


class NodeCalls(BaseModel):
    """Everything the verifier needs to exercise one generated package."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    effect_type: str = "API_CALL"
    operations: list[OperationCall]


def package_path(plan: Plan, node: NodePlan) -> str:
    """Directory of a node package relative to the archive root."""
    return f"{plan.project_name}/nodes/{node.name}"


def field_key(field: EntityField) -> str:
    """Key of a field in JSON payloads (the plan's name, verbatim)."""
    return field.name


def sample_value(field: EntityField) -> Any:
    value = _SAMPLE_BY_TYPE[field.type]
    if field.type == "str":
        return f"example {field.name}"
    return value


def sample_payload(fields: list[EntityField]) -> JsonObject:
    return {field_key(f): sample_value(f) for f in fields}


def effect_type_for(node: NodePlan, categories: dict[str, str]) -> str:
    for system in node.external_systems:
        category = categories.get(system, "")
        if category in _EFFECT_TYPE_BY_CATEGORY:
            return _EFFECT_TYPE_BY_CATEGORY[category]
    return "API_CALL"


def trigger_path(machine: StateMachine, target_state: str) -> list[str] | None:
    """Shortest list of triggers leading from the initial state to `target_state`."""
    seen = {machine.initial_state}
    queue: deque[tuple[str, list[str]]] = deque([(machine.initial_state, [])])
    while queue:
        state, path = queue.popleft()
        if state == target_state:
            return path
        for t in machine.transitions:
            if t.from_state in (state, ANY_STATE) and t.to_state not in seen:
                seen.add(t.to_state)
                queue.append((t.to_state, [*path, t.trigger]))
    return None


def transition_prelude(machine: StateMachine, trigger: str) -> list[str] | None:
    """Triggers to fire before `trigger` can fire (None when it is unreachable)."""
    best: list[str] | None = None
    for t in machine.transitions:
        if t.trigger != trigger:
            continue
        path = [] if t.from_state == ANY_STATE else trigger_path(machine, t.from_state)
        if path is not None and (best is None or len(path) < len(best)):
            best = path
    return best


def terminal_walk(machine: StateMachine) -> list[str] | None:
    """Shortest trigger sequence from the initial state to any terminal state."""
    best: list[str] | None = None
    for state in machine.terminal_states:
        path = trigger_path(machine, state)
        if path and (best is None or len(path) < len(best)):
            best = path
    return best


def fsm_triggers(machine: StateMachine) -> list[str]:
    """Distinct triggers in first-seen order."""
    return list(dict.fromkeys(t.trigger for t in machine.transitions))


def node_calls(node: NodePlan, categories: dict[str, str] | None = None) -> NodeCalls:
    """The invocation of every operation (and, for an FSM reducer, every trigger) of a node."""
    calls: list[OperationCall] = []
    if node.kind == "COMPUTE":
        calls = [
            OperationCall(name=op.name, sample=sample_payload(op.input_fields), mode="compute")
            for op in node.operations
        ]
    elif node.kind == "EFFECT":
        calls = [
            OperationCall(name=op.name, sample=sample_payload(op.input_fields), mode="effect")
            for op in node.operations
        ]
    elif node.kind == "ORCHESTRATOR":
        calls = [OperationCall(name=op.name, sample={}, mode="workflow") for op in node.operations]
    else:
        machine = node.state_machine
        triggers = fsm_triggers(machine) if machine else []
        ops = {op.name: op for op in node.operations}
        for op in node.operations:
            if op.name not in triggers:
                calls.append(
                    OperationCall(name=op.name, sample=sample_payload(op.input_fields), mode="fold")
                )
        for trigger in triggers:
            assert machine is not None
            prelude = transition_prelude(machine, trigger)
            if prelude is None:
                continue  # unreachable from the initial state: cannot be exercised honestly
            trigger_op = ops.get(trigger)
            sample = sample_payload(trigger_op.input_fields) if trigger_op else {}
            calls.append(
                OperationCall(name=trigger, sample=sample, mode="transition", prelude=prelude)
            )
    return NodeCalls(
        kind=node.kind,
        effect_type=effect_type_for(node, categories or {}),
        operations=calls,
    )
