"""Structural checks every Plan must pass, whatever the PRD contained."""

import builtins
import keyword
import re

from pydantic import BaseModel

from app.analysis.plan import ANY_STATE, EntityField, Plan

_CLASS = re.compile(r"^Node[A-Z][A-Za-z0-9]*(Effect|Compute|Reducer|Orchestrator)$")
_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_MODEL_ATTRS = {name for name in dir(BaseModel) if not name.startswith("_")} | {"fields"}
_TYPE_NAMES = {"str", "int", "float", "bool", "list", "dict", "datetime"}


def _identifier(name: str) -> None:
    assert name.isidentifier() and name.isascii(), name
    assert not keyword.iskeyword(name), name


def _field(field: EntityField) -> None:
    _identifier(field.name)
    assert _SNAKE.match(field.name), field.name
    assert field.name not in _MODEL_ATTRS, field.name
    assert field.name not in _TYPE_NAMES, field.name
    assert not field.name.startswith("model_"), field.name


def assert_valid_plan(plan: Plan) -> None:
    req_ids = {r.id for r in plan.requirements}
    assert len(req_ids) == len(plan.requirements), "requirement ids must be unique"
    _identifier(plan.project_name)
    assert _SNAKE.match(plan.project_name)
    assert plan.project_name not in dir(builtins)
    for entity in plan.entities:
        _identifier(entity.name)
        assert entity.name not in dir(builtins)
        for f in entity.fields:
            _field(f)
    for decision in plan.kinds:
        assert decision.reasons and decision.requirement_ids
        assert set(decision.requirement_ids) <= req_ids
    assert {n.kind for n in plan.nodes} == {d.kind for d in plan.kinds}
    names = [n.name for n in plan.nodes]
    classes = [n.class_name for n in plan.nodes]
    assert len(set(names)) == len(names) and len(set(classes)) == len(classes)
    for node in plan.nodes:
        _identifier(node.name)
        assert _SNAKE.match(node.name) and node.name.endswith(node.kind.lower()), node.name
        assert _CLASS.match(node.class_name), node.class_name
        assert node.class_name.endswith(node.kind.capitalize())
        assert node.requirement_ids and set(node.requirement_ids) <= req_ids
        assert 1 <= len(node.operations) <= 8
        op_names = [op.name for op in node.operations]
        assert len(set(op_names)) == len(op_names), op_names
        for op in node.operations:
            _identifier(op.name)
            assert _SNAKE.match(op.name), op.name
            assert op.requirement_ids and set(op.requirement_ids) <= req_ids
            for f in [*op.input_fields, *op.output_fields]:
                _field(f)
            assert len({f.name for f in op.input_fields}) == len(op.input_fields)
            assert len({f.name for f in op.output_fields}) == len(op.output_fields)
        if node.state_machine is not None:
            assert node.kind == "REDUCER"
            sm = node.state_machine
            assert len(sm.states) >= 2 and len(set(sm.states)) == len(sm.states)
            for state in sm.states:
                _identifier(state)
            assert sm.initial_state in sm.states and set(sm.terminal_states) <= set(sm.states)
            wildcards = {t.to_state for t in sm.transitions if t.from_state == ANY_STATE}
            # an open table is only ever wildcard rows into states no stated edge reaches
            assert not sm.transitions_open or wildcards == set(sm.states[1:])
            seen: set[tuple[str, str]] = set()
            for t in sm.transitions:
                assert t.from_state in {*sm.states, ANY_STATE} and t.to_state in sm.states
                _identifier(t.trigger)
                assert (t.from_state, t.trigger) not in seen, t
                seen.add((t.from_state, t.trigger))
        if node.flow is not None:
            assert node.kind == "ORCHESTRATOR"
            earlier: set[str] = set()
            for step in node.flow.steps:
                _identifier(step.name)
                assert step.name not in earlier
                assert set(step.depends_on) <= earlier
                earlier.add(step.name)
        if node.kind == "ORCHESTRATOR":
            assert node.flow is not None and node.flow.steps
