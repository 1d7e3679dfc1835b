"""Render a Plan into the files of an ONEX project (relative POSIX path -> text).

All decisions (names, imports, field projections, example payloads) are made here in
plain Python and handed to the templates as small view dictionaries; templates only lay
text out. PRD free text reaches Python only through the `pyrepr`/`pytext` filters and YAML
only through `yaml.safe_dump`. Output is a pure function of (templates, plan, arguments).
"""

import hashlib
import json
from typing import Any

import jinja2
import yaml

from app.analysis.plan import EntityField, Flow, FlowStep, NodePlan, Operation, Plan
from app.generation.render_filters import ident
from app.generation.render_samples import (
    RESERVED_FIELD_NAMES,
    OperationCall,
    fsm_triggers,
    node_calls,
    sample_value,
    terminal_walk,
)
from app.generation.template_cache import TEMPLATE_SET_VERSION

OMNIBASE_CORE_PIN = "omnibase-core==0.47.57"
MANIFEST_PATH = ".codegen/manifest.json"

_BASES = {
    "COMPUTE": "NodeCompute",
    "EFFECT": "NodeEffect",
    "REDUCER": "NodeReducer",
    "ORCHESTRATOR": "NodeOrchestrator",
}
_ENVELOPES = {
    "COMPUTE": ("ModelComputeInput", "ModelComputeOutput"),
    "EFFECT": ("ModelEffectInput", "ModelEffectOutput"),
    "REDUCER": ("ModelReducerInput", "ModelReducerOutput"),
    "ORCHESTRATOR": ("ModelOrchestratorInput", "ModelOrchestratorOutput"),
}
_ZERO = {
    "str": '""',
    "int": "0",
    "float": "0.0",
    "bool": "False",
    "datetime": "datetime.now(UTC)",
    "list[str]": "[]",
    "dict[str, str]": "{}",
}
_MIN_DESCRIPTION = 10  # ServiceContractValidator warns on shorter descriptions


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def package_path(plan: Plan, node: NodePlan) -> str:
    """Directory of a node package relative to the archive root."""
    return f"{plan.project_name}/nodes/{node.name}"


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


def _operation_view(op: Operation, *, fold: bool = False) -> dict[str, Any]:
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


def _default_flow(node: NodePlan) -> Flow:
    """An orchestrator without a flow in the PRD runs its operations as sequential steps."""
    steps: list[FlowStep] = []
    for op in node.operations:
        deps = [steps[-1].name] if steps else []
        steps.append(FlowStep(name=op.name, step_type="compute", depends_on=deps))
    return Flow(name=f"{node.name}_workflow", steps=steps)


def _node_view(plan: Plan, node: NodePlan, categories: dict[str, str]) -> dict[str, Any]:
    kind = node.kind
    name = ident(node.name)
    calls = node_calls(node, categories)
    by_call = {c.name: c for c in calls.operations}
    ops = [_operation_view(op) for op in node.operations] if kind != "ORCHESTRATOR" else []
    for op_view in ops:
        call = by_call.get(op_view["name"])
        op_view["sample"] = call.sample if call else {}
    description = node.description.strip() or f"{kind.title()} node {name}."
    if len(description) < _MIN_DESCRIPTION:
        description = f"{kind.title()} node {name}: {description}"
    view: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "class_name": ident(node.class_name),
        "base": _BASES[kind],
        "module": f"{ident(plan.project_name)}.nodes.{name}",
        "path": package_path(plan, node),
        "description": description,
        "requirement_ids": node.requirement_ids,
        "operations": ops
        if kind != "ORCHESTRATOR"
        else [
            {
                "name": ident(op.name),
                "description": op.description or op.name,
                "requirement_ids": op.requirement_ids,
            }
            for op in node.operations
        ],
        "operation_names": [op.name for op in node.operations],
        "external_systems": tuple(ident(s) for s in node.external_systems),
        "effect_type": calls.effect_type,
        "folds": [],
        "triggers": [],
        "machine": None,
        "flow": None,
        "terminal_walk": None,
        "invalid_case": None,
    }
    model_ops = ops
    if kind == "EFFECT":
        view["port_name"] = f"{pascal(name)}Port"
        systems = view["external_systems"]
        view["systems_phrase"] = (
            ", ".join(f"``{s}``" for s in systems) if systems else "its external system"
        )
    if kind == "REDUCER":
        _reducer_view(view, node, calls.operations)
        model_ops = [v for v in ops if v["name"] in {f["name"] for f in view["folds"]}]
        model_ops += [
            {**v, "models": [m for m in v["models"] if m["role"] == "Request"]}
            for v in ops
            if v["name"] in {t["name"] for t in view["triggers"]}
        ]
    if kind == "ORCHESTRATOR":
        flow = node.flow or _default_flow(node)
        view["flow"] = {
            "name": ident(flow.name),
            "description": f"Workflow {flow.name} of {name}.",
            "steps": [
                {"name": ident(s.name), "step_type": s.step_type, "depends_on": tuple(s.depends_on)}
                for s in flow.steps
            ],
        }
    view["model_ops"] = model_ops
    view["model_names"] = sorted(
        {m["name"] for op in model_ops for m in op["models"] if m["role"] == "Request"}
        | {op["output_model"] for op in model_ops if view["kind"] != "REDUCER"}
        | {op["output_model"] for op in view["folds"]}
    )
    view["model_imports"] = [f".models:{n}" for n in view["model_names"]]
    view["test_model_imports"] = [
        f"{view['module']}.models:{op['output_model']}"
        for op in (view["folds"] if kind == "REDUCER" else model_ops)
    ]
    fields = [f for op in model_ops for m in op["models"] for f in m["fields"]]
    view["uses_field"] = bool(fields)
    view["needs_parse"] = bool(view["folds"]) or any(t["model"] for t in view["triggers"])
    view["uses_datetime_models"] = any(f["type"] == "datetime" for f in fields)
    handler_ops = view["folds"] if kind == "REDUCER" else model_ops
    view["uses_datetime_handlers"] = any(
        "datetime" in a["expr"] for op in handler_ops for a in op["assignments"]
    )
    if kind in ("COMPUTE", "EFFECT") and ops:
        view["invalid_case"] = ops[0]["name"]
    view["lifecycle_case"] = _lifecycle_case(view, calls.operations)
    _mixin_view(view, node)
    return view


# The typed process() signature of each kind, for generic mixins that declare their own.
_PROCESS_IO = {
    "COMPUTE": ("ModelComputeInput[JsonObject]", "ModelComputeOutput[JsonObject]"),
    "EFFECT": ("ModelEffectInput", "ModelEffectOutput"),
    "REDUCER": ("ModelReducerInput[JsonObject]", "ModelReducerOutput[list[JsonObject]]"),
    "ORCHESTRATOR": ("ModelOrchestratorInput", "ModelOrchestratorOutput"),
}
# Mixins generic over (input, output) whose sync `process` the node's async one overrides.
_PROCESS_GENERIC_MIXINS = frozenset({"MixinEventBus"})


_BASE_EXPRESSIONS = {
    "COMPUTE": "NodeCompute[JsonObject, JsonObject]",
    "EFFECT": "NodeEffect",
    "REDUCER": "NodeReducer[JsonObject, list[JsonObject]]",
    "ORCHESTRATOR": "NodeOrchestrator",
}


def _mixin_view(view: dict[str, Any], node: NodePlan) -> None:
    """Class bases, node first, then the oracle-confirmed mixins (one per line when present)."""
    base = _BASE_EXPRESSIONS[node.kind]
    bases = []
    imports = []
    for mixin in node.mixins:
        name = ident(mixin)
        imports.append(f"{node.mixin_modules[mixin]}:{name}")
        if name in _PROCESS_GENERIC_MIXINS:
            source, result = _PROCESS_IO[node.kind]
            args = f"\n        {source},\n        Coroutine[Any, Any, {result}],\n    "
            bases.append(f"{name}[{args}]")
            imports += ["collections.abc:Coroutine", "typing:Any"]
        else:
            bases.append(name)
    view["mixins"] = [ident(m) for m in node.mixins]
    view["mixin_imports"] = imports
    view["bases"] = "".join(f"\n    {b}," for b in [base, *bases]) + "\n" if bases else base


def _lifecycle_case(view: dict[str, Any], calls: list[OperationCall]) -> dict[str, Any] | None:
    """An operation that runs on a fresh node (no FSM prelude needed), if any."""
    for call in calls:
        if not call.prelude:
            return {"name": call.name, "sample": call.sample}
    return None


def _reducer_view(view: dict[str, Any], node: NodePlan, calls: list[OperationCall]) -> None:
    machine = node.state_machine
    triggers = fsm_triggers(machine) if machine else []
    fold_ops = [op for op in node.operations if op.name not in triggers]
    view["folds"] = [_operation_view(op, fold=True) for op in fold_ops]
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
                    if t.trigger == fired and t.from_state == state
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
    }
    view["terminal_walk"] = terminal_walk(machine)


def _contract(view: dict[str, Any]) -> dict[str, Any]:
    kind = view["kind"]
    semver = {"major": 1, "minor": 0, "patch": 0}
    input_model, output_model = _ENVELOPES[kind]
    contract: dict[str, Any] = {
        "name": view["name"],
        "contract_version": semver,
        "node_version": dict(semver),
        "node_type": f"{kind}_GENERIC",
        "description": view["description"],
        "input_model": input_model,
        "output_model": output_model,
        "performance": {"single_operation_max_ms": 1000},
    }
    if view["requirement_ids"]:
        contract["tags"] = list(view["requirement_ids"])
    return contract


# libyaml's emitter when present: same safe representer, a tenth of the pure-Python cost.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=88)


def render_project(
    env: jinja2.Environment, plan: Plan, *, prd_sha256: str, generator_version: str
) -> dict[str, str]:
    """Render every file of the project for `plan`; deterministic for equal inputs."""
    project = ident(plan.project_name)
    categories = {s.name: s.category for s in plan.external_systems}
    names = [n.name for n in plan.nodes]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate node names in plan: {names}")
    requirements = {r.id: r.text for r in plan.requirements}
    files: dict[str, str] = {}
    nodes = [_node_view(plan, node, categories) for node in plan.nodes]
    common = {"plan": plan, "project": project, "nodes": nodes, "pin": OMNIBASE_CORE_PIN}
    files["pyproject.toml"] = env.get_template("pyproject.toml.j2").render(common)
    files["README.md"] = env.get_template("README.md.j2").render(common)
    files[f"{project}/__init__.py"] = env.get_template("project_init.py.j2").render(common)
    files[f"{project}/nodes/__init__.py"] = '"""ONEX node packages of this project."""\n'
    for view in nodes:
        path = view["path"]
        kind = view["kind"].lower()
        ctx = {**common, "node": view, "requirements": requirements}
        files[f"{path}/__init__.py"] = env.get_template("node_init.py.j2").render(ctx)
        files[f"{path}/contract.yaml"] = _yaml(_contract(view))
        files[f"{path}/node.py"] = env.get_template(f"node_{kind}.py.j2").render(ctx)
        files[f"{path}/models.py"] = env.get_template("models.py.j2").render(ctx)
        if view["kind"] == "EFFECT":
            files[f"{path}/ports.py"] = env.get_template("ports.py.j2").render(ctx)
        files[f"{path}/README.md"] = env.get_template("node_README.md.j2").render(ctx)
        files[f"{path}/tests/__init__.py"] = ""
        files[f"{path}/tests/test_{view['name']}.py"] = env.get_template(
            f"test_{kind}.py.j2"
        ).render(ctx)
    files[MANIFEST_PATH] = _manifest(
        files,
        plan,
        nodes,
        prd_sha256=prd_sha256,
        generator_version=generator_version,
        template_set_sha256=getattr(env, "template_set_sha256", ""),
    )
    return dict(sorted(files.items()))


def _manifest(
    files: dict[str, str],
    plan: Plan,
    nodes: list[dict[str, Any]],
    *,
    prd_sha256: str,
    generator_version: str,
    template_set_sha256: str,
) -> str:
    manifest = {
        "generator_version": generator_version,
        "template_set_version": TEMPLATE_SET_VERSION,
        "template_set_sha256": template_set_sha256,
        "prd_sha256": prd_sha256,
        "project": plan.project_name,
        "framework": OMNIBASE_CORE_PIN,
        "packages": [
            {
                "path": v["path"],
                "kind": v["kind"],
                "class_name": v["class_name"],
                "operations": v["operation_names"],
                "requirement_ids": v["requirement_ids"],
            }
            for v in nodes
        ],
        "files": {
            path: hashlib.sha256(text.encode()).hexdigest() for path, text in sorted(files.items())
        },
    }
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
