"""Operation views for the templates: request/response models, handler assignments, folds.

`operation_view` describes one operation; `reducer_view` adds a reducer's folds, FSM triggers
and state machine to its node view.
"""

from typing import Any

from app.analysis.plan import ANY_STATE, EntityField, NodePlan, Operation
from app.analysis.plan_calls import (
    RESERVED_FIELD_NAMES,
    OperationCall,
    fsm_triggers,
    sample_value,
    terminal_walk,
)
from app.generation.render_filters import ident
from app.generation.render_names import pascal

_ZERO = {
    "str": '""',
    "int": "0",
    "float": "0.0",
    "bool": "False",
    "datetime": "datetime.now(UTC)",
    "list[str]": "[]",
    "dict[str, str]": "{}",
}


def _field_view(field: EntityField) -> dict[str, Any]:
    name = ident(field.name)
    alias = name in RESERVED_FIELD_NAMES or name.startswith("model_")
    return {
        "key": name,
        "py_name": f"{name}_" if alias else name,
        "alias": alias,
        "type": field.type,
        "annotation": field.type,
        "description": field.description or f"The {name.replace('_', ' ')}.",
    }


def _assignments(op: Operation, *, fold: bool) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Output-field expressions and the test checks they imply.

    A field also present (same name and type) in the request is carried over; any other
    output field is derived and starts at its type's zero value.
    """
    inputs = {(f.name, f.type): _field_view(f) for f in op.input_fields}
    assignments: list[dict[str, str]] = []
    checks: list[dict[str, Any]] = []
    for field in op.output_fields:
        view = _field_view(field)
        source = inputs.get((field.name, field.type))
        if source is None:
            expr = _ZERO[field.type]
        elif fold:
            expr = f"requests[-1].{source['py_name']} if requests else {_ZERO[field.type]}"
        else:
            expr = f"request.{source['py_name']}"
        if source is not None and field.type != "datetime":
            checks.append({"py_name": view["py_name"], "expected": sample_value(field)})
        assignments.append({"py_name": view["py_name"], "expr": expr})
    return assignments, checks


def operation_view(op: Operation, *, fold: bool = False) -> dict[str, Any]:
    name = ident(op.name)
    assignments, checks = _assignments(op, fold=fold)
    base = pascal(name)
    return {
        "name": name,
        "method": f"_handle_{name}",
        "description": op.description or f"Operation {name}.",
        "requirement_ids": op.requirement_ids,
        "input_model": ident(f"Model{base}Input"),
        "output_model": ident(f"Model{base}Output"),
        "models": [
            {
                "name": f"Model{base}Input",
                "role": "Request",
                "fields": [_field_view(f) for f in op.input_fields],
            },
            {
                "name": f"Model{base}Output",
                "role": "Response",
                "fields": [_field_view(f) for f in op.output_fields],
            },
        ],
        "assignments": assignments,
        "uses_request": any("request" in a["expr"] for a in assignments),
        "checks": checks,
    }


def reducer_view(view: dict[str, Any], node: NodePlan, calls: list[OperationCall]) -> None:
    machine = node.state_machine
    triggers = fsm_triggers(machine) if machine else []
    fold_ops = [op for op in node.operations if op.name not in triggers]
    view["folds"] = [operation_view(op, fold=True) for op in fold_ops]
    samples = {c.name: c.sample for c in calls}
    for fold in view["folds"]:
        fold["sample"] = samples.get(fold["name"], {})
    if view["folds"]:
        view["invalid_case"] = view["folds"][0]["name"]
    if machine is None:
        return
    ops = {op.name: op for op in node.operations}
    preludes = {c.name: c.prelude for c in calls if c.mode == "transition"}
    trigger_views = []
    for trigger in triggers:
        prelude = preludes.get(trigger)
        to_state = None
        if prelude is not None:
            state = machine.initial_state
            for fired in [*prelude, trigger]:
                state = next(
                    t.to_state
                    for t in machine.transitions
                    if t.trigger == fired and t.from_state in (state, ANY_STATE)
                )
            to_state = state
        op = ops.get(trigger)
        trigger_views.append(
            {
                "name": trigger,
                "model": f"Model{pascal(trigger)}Input" if op else None,
                "prelude": prelude,
                "to_state": to_state,
                "sample": samples.get(trigger, {}),
            }
        )
    view["triggers"] = trigger_views
    view["machine"] = {
        "name": ident(machine.name),
        "description": f"Lifecycle {machine.name} of {node.name}.",
        "states": [{"name": s} for s in machine.states],
        "state_names": tuple(machine.states),
        "initial_state": machine.initial_state,
        "terminal_states": tuple(machine.terminal_states),
        "transitions": machine.transitions,
        "open": machine.transitions_open,
    }
    view["terminal_walk"] = terminal_walk(machine)
