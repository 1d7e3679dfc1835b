"""Per-node view dictionaries handed to the templates: names, models, handlers, samples.

Every decision the templates lay out (class bases, field projections, FSM triggers, example
payloads) is made here in plain Python; `node_view` builds one node's view.
"""

from typing import Any

from app.analysis.plan import Flow, FlowStep, NodePlan, Plan
from app.analysis.plan_calls import OperationCall, node_calls, package_path
from app.generation.render_filters import ident
from app.generation.render_operation_views import operation_view, reducer_view
from app.generation.render_ports import port_views, wire_ports

_BASES = {
    "COMPUTE": "NodeCompute",
    "EFFECT": "NodeEffect",
    "REDUCER": "NodeReducer",
    "ORCHESTRATOR": "NodeOrchestrator",
}
_MIN_DESCRIPTION = 10  # ServiceContractValidator warns on shorter descriptions


def _default_flow(node: NodePlan) -> Flow:
    """An orchestrator without a flow in the PRD runs its operations as sequential steps."""
    steps: list[FlowStep] = []
    for op in node.operations:
        deps = [steps[-1].name] if steps else []
        steps.append(FlowStep(name=op.name, step_type="compute", depends_on=deps))
    return Flow(name=f"{node.name}_workflow", steps=steps)


def node_view(plan: Plan, node: NodePlan, categories: dict[str, str]) -> dict[str, Any]:
    kind = node.kind
    name = ident(node.name)
    calls = node_calls(node, categories)
    by_call = {c.name: c for c in calls.operations}
    ops = [operation_view(op) for op in node.operations] if kind != "ORCHESTRATOR" else []
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
        view["ports"] = port_views(plan, node, name)
        wire_ports(view, ops, view["module"])
    if kind == "REDUCER":
        reducer_view(view, node, calls.operations)
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
