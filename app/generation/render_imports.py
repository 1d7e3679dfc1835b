"""The omnibase-core target profile and an isort-compatible import-block writer.

`TARGET` is the single place that says where each framework symbol is imported from (the
enum traps of omnibase-core 0.47.57 included). Templates ask for symbols, never modules:
`import_block("time", "typing:Final", "@ModelOnexError", ".models:parse_request")`.
The block is laid out the way `ruff`'s isort rules expect (sections, straight imports first,
case-insensitive module order, constants/classes/functions name order, wrapping at 100).
"""

import sys
from collections import defaultdict
from collections.abc import Iterable

LINE_LENGTH = 100

# Symbol -> defining module. Typed modules only: the lazy `omnibase_core` top-level exports
# resolve to `object` for mypy, and some enums exist twice under the same name.
TARGET: dict[str, str] = {
    "ModelOnexError": "omnibase_core.errors.model_onex_error",
    "EnumCoreErrorCode": "omnibase_core.enums.enum_core_error_code",
    "ModelONEXContainer": "omnibase_core.models.container.model_onex_container",
    "EnumEffectType": "omnibase_core.enums.enum_effect_types",
    "EnumTransactionState": "omnibase_core.enums.enum_effect_types",
    "EnumReductionType": "omnibase_core.enums.enum_reducer_types",
    "EnumExecutionMode": "omnibase_core.enums.enum_workflow_execution",
    "EnumNodeType": "omnibase_core.enums.enum_node_type",
    "ModelReducerMetadata": "omnibase_core.models.common.model_reducer_metadata",
    "ModelSemVer": "omnibase_core.models.primitives.model_semver",
    "ModelWorkflowStep": "omnibase_core.models.contracts.model_workflow_step",
    "ModelProjectionIntent": "omnibase_core.models.projectors",
    "ModelOrchestratorInputMetadata": (
        "omnibase_core.models.orchestrator.model_orchestrator_input_metadata"
    ),
    "ModelFSMSubcontract": "omnibase_core.models.contracts.subcontracts.model_fsm_subcontract",
    "ModelFSMStateDefinition": (
        "omnibase_core.models.contracts.subcontracts.model_fsm_state_definition"
    ),
    "ModelFSMStateTransition": (
        "omnibase_core.models.contracts.subcontracts.model_fsm_state_transition"
    ),
    "ModelWorkflowDefinition": (
        "omnibase_core.models.contracts.subcontracts.model_workflow_definition"
    ),
    "ModelWorkflowDefinitionMetadata": (
        "omnibase_core.models.contracts.subcontracts.model_workflow_definition_metadata"
    ),
    "ModelExecutionGraph": "omnibase_core.models.contracts.subcontracts.model_execution_graph",
    "ModelWorkflowNode": "omnibase_core.models.contracts.subcontracts.model_workflow_node",
    "ModelCoordinationRules": (
        "omnibase_core.models.contracts.subcontracts.model_coordination_rules"
    ),
}
for _name in (
    "NodeCompute",
    "NodeEffect",
    "NodeReducer",
    "NodeOrchestrator",
    "ModelComputeInput",
    "ModelComputeOutput",
    "ModelEffectInput",
    "ModelEffectOutput",
    "ModelReducerInput",
    "ModelReducerOutput",
    "ModelOrchestratorInput",
    "ModelOrchestratorOutput",
):
    TARGET[_name] = "omnibase_core.nodes"

_SECTIONS = ("stdlib", "third_party", "first_party", "local")


def _section(module: str, first_party: str) -> str:
    if module.startswith("."):
        return "local"
    top = module.split(".")[0]
    if top in sys.stdlib_module_names:
        return "stdlib"
    if top == first_party:
        return "first_party"
    return "third_party"


def _name_key(name: str) -> tuple[int, str]:
    if name.isupper() and len(name) > 1:
        rank = 0  # CONSTANTS
    elif name[:1].isupper():
        rank = 1  # Classes
    else:
        rank = 2  # functions and variables
    return rank, name.lower()


def _from_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= LINE_LENGTH:
        return line
    body = "".join(f"    {n},\n" for n in names)
    return f"from {module} import (\n{body})"


def _flatten(specs: Iterable[str | Iterable[str]]) -> list[str]:
    out: list[str] = []
    for spec in specs:
        if isinstance(spec, str):
            out.append(spec)
        else:
            out.extend(_flatten(spec))
    return out


def import_block(*specs: str | Iterable[str], first_party: str = "") -> str:
    """Render imports: "mod" (straight), "mod:Name" (from), "@Name" (from the target profile).

    Lists are flattened and empty strings skipped, so templates can pass conditional specs.
    """
    straight: dict[str, set[str]] = defaultdict(set)
    froms: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for spec in _flatten(specs):
        if not spec:
            continue
        if spec.startswith("@"):
            name = spec[1:]
            module = TARGET[name]
        elif ":" in spec:
            module, name = spec.split(":", 1)
        else:
            straight[_section(spec, first_party)].add(spec)
            continue
        froms[_section(module, first_party)][module].add(name)
    blocks: list[str] = []
    for section in _SECTIONS:
        lines = [f"import {m}" for m in sorted(straight[section], key=str.lower)]
        for module in sorted(froms[section], key=str.lower):
            names = sorted(froms[section][module], key=_name_key)
            lines.append(_from_line(module, names))
        if lines:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
