"""The framework's node bases, input envelopes and output expectations, per node kind."""

import uuid
from typing import Any, Literal

from omnibase_core.enums.enum_effect_types import EnumEffectType, EnumTransactionState
from omnibase_core.enums.enum_reducer_types import EnumReductionType
from omnibase_core.enums.enum_workflow_execution import EnumExecutionMode
from omnibase_core.models.common.model_reducer_metadata import ModelReducerMetadata
from omnibase_core.models.orchestrator.model_orchestrator_input_metadata import (
    ModelOrchestratorInputMetadata,
)
from omnibase_core.nodes import (
    ModelComputeInput,
    ModelComputeOutput,
    ModelEffectInput,
    ModelEffectOutput,
    ModelOrchestratorInput,
    ModelOrchestratorOutput,
    ModelReducerInput,
    ModelReducerOutput,
    NodeCompute,
    NodeEffect,
    NodeOrchestrator,
    NodeReducer,
)

from app.verification.check_report import require

BASES: dict[str, type] = {
    "COMPUTE": NodeCompute,
    "EFFECT": NodeEffect,
    "REDUCER": NodeReducer,
    "ORCHESTRATOR": NodeOrchestrator,
}

type ContractKind = Literal["effect", "compute", "reducer", "orchestrator"]


def envelope(kind: str, operation: str, sample: dict[str, Any], effect_type: str) -> Any:
    """The kind's framework input model for `operation` (REDUCER: `sample` as the one item)."""
    if kind == "COMPUTE":
        return ModelComputeInput(data=sample, computation_type=operation)
    if kind == "EFFECT":
        return ModelEffectInput(
            effect_type=EnumEffectType[effect_type],
            operation_data={"operation": operation, "payload": sample},
        )
    if kind == "REDUCER":
        return ModelReducerInput(
            data=[sample] if sample else [],
            reduction_type=EnumReductionType.AGGREGATE,
            metadata=ModelReducerMetadata(trigger=operation),
        )
    return ModelOrchestratorInput(
        workflow_id=uuid.uuid4(),
        steps=[],
        execution_mode=EnumExecutionMode.SEQUENTIAL,
        metadata=ModelOrchestratorInputMetadata(trigger=operation),
    )


def check_output(kind: str, call: dict[str, Any], output: Any) -> str:
    name = call["name"]
    if kind == "COMPUTE":
        require(isinstance(output, ModelComputeOutput), f"{type(output).__name__} returned")
        require(output.computation_type == name, "computation_type not echoed")
        require(isinstance(output.result, dict), "result is not a JSON object")
        return f"{len(output.result)} result fields"
    if kind == "EFFECT":
        require(isinstance(output, ModelEffectOutput), f"{type(output).__name__} returned")
        require(output.transaction_state == EnumTransactionState.COMMITTED, "effect not committed")
        return f"side effects {output.side_effects_applied}"
    if kind == "REDUCER":
        require(isinstance(output, ModelReducerOutput), f"{type(output).__name__} returned")
        if call["mode"] == "transition":
            meta = output.fsm_metadata
            require(meta is not None and meta.fsm_transition_success, "transition failed")
            assert meta is not None
            return f"{meta.fsm_previous_state} -> {meta.fsm_state}"
        require(len(output.result) == 1, "no fold record")
        return f"{output.items_processed} item(s) folded"
    require(isinstance(output, ModelOrchestratorOutput), f"{type(output).__name__} returned")
    require(output.execution_status == "completed", f"status {output.execution_status}")
    require(not output.failed_steps, f"failed steps {output.failed_steps}")
    return f"{len(output.actions_emitted)} action(s) emitted"
