"""Preload hook for the warm verification parent: pay every lazy framework import once.

`warm_up()` (preloaded as `app.verification.warmup:warm_up`) validates a contract of each
kind, drives a throwaway node of each kind through initialize/process/cleanup and imports
every framework mixin module, so a forked child only imports the generated code itself.
"""

import asyncio
import contextlib
import importlib
import pkgutil
import uuid
from typing import Any, cast

from omnibase_core.enums.enum_effect_types import EnumTransactionState
from omnibase_core.enums.enum_workflow_execution import EnumExecutionMode
from omnibase_core.models.container.model_onex_container import ModelONEXContainer
from omnibase_core.models.orchestrator.model_orchestrator_input_metadata import (
    ModelOrchestratorInputMetadata,
)
from omnibase_core.nodes import (
    ModelComputeInput,
    ModelEffectInput,
    ModelEffectOutput,
    ModelOrchestratorInput,
    NodeCompute,
    NodeEffect,
    NodeOrchestrator,
    NodeReducer,
)
from omnibase_core.validation import ServiceContractValidator

from app.verification.node_io import BASES, ContractKind, envelope


def warm_up() -> None:
    """Preload hook: run every lazy framework path once in the warm parent.

    Validates a contract of each kind and drives a throwaway node of each kind through
    initialize/process/cleanup, so forked children never pay first-use imports.
    """
    import pytest  # noqa: F401 - generated tests import it
    from pydantic import BaseModel, ConfigDict, ValidationError

    class _Probe(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid")
        value: int

    with contextlib.suppress(ValidationError):
        _Probe.model_validate({"value": "x"})
    validator = ServiceContractValidator()
    for kind in BASES:
        validator.validate_contract_yaml(
            f"name: warm_up\ncontract_version: {{major: 1, minor: 0, patch: 0}}\n"
            f"node_type: {kind}_GENERIC\ndescription: Warm-up contract for the sandbox.\n"
            "input_model: ModelWarmInput\noutput_model: ModelWarmOutput\n"
            "performance: {single_operation_max_ms: 1000}\n",
            contract_type=cast(ContractKind, kind.lower()),
        )
    asyncio.run(_warm_nodes())
    _import_mixin_modules()


def _import_mixin_modules() -> None:
    """Generated nodes compose framework mixins: import them all once, here, not per child
    (about 20 ms per package otherwise). A module needing an optional extra is skipped."""
    import omnibase_core.mixins as package

    for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        with contextlib.suppress(Exception):
            importlib.import_module(info.name)


async def _warm_nodes() -> None:
    from omnibase_core.enums.enum_node_type import EnumNodeType
    from omnibase_core.models.contracts.model_workflow_step import ModelWorkflowStep
    from omnibase_core.models.contracts.subcontracts.model_coordination_rules import (
        ModelCoordinationRules,
    )
    from omnibase_core.models.contracts.subcontracts.model_execution_graph import (
        ModelExecutionGraph,
    )
    from omnibase_core.models.contracts.subcontracts.model_fsm_state_definition import (
        ModelFSMStateDefinition,
    )
    from omnibase_core.models.contracts.subcontracts.model_fsm_state_transition import (
        ModelFSMStateTransition,
    )
    from omnibase_core.models.contracts.subcontracts.model_fsm_subcontract import (
        ModelFSMSubcontract,
    )
    from omnibase_core.models.contracts.subcontracts.model_workflow_definition import (
        ModelWorkflowDefinition,
    )
    from omnibase_core.models.contracts.subcontracts.model_workflow_definition_metadata import (
        ModelWorkflowDefinitionMetadata,
    )
    from omnibase_core.models.contracts.subcontracts.model_workflow_node import ModelWorkflowNode
    from omnibase_core.models.primitives.model_semver import ModelSemVer

    v1 = ModelSemVer(major=1, minor=0, patch=0)

    class _Compute(NodeCompute[dict[str, Any], dict[str, Any]]):
        """Bare compute node: the framework's own process()."""

    class _Effect(NodeEffect):
        async def process(self, input_data: ModelEffectInput) -> ModelEffectOutput:
            return ModelEffectOutput(
                result={},
                operation_id=input_data.operation_id,
                effect_type=input_data.effect_type,
                transaction_state=EnumTransactionState.COMMITTED,
                processing_time_ms=0.0,
            )

    class _Reducer(NodeReducer[dict[str, Any], list[dict[str, Any]]]):
        """Bare reducer node: the framework's own process()."""

    class _Orchestrator(NodeOrchestrator):
        """Bare orchestrator node: the framework's own process()."""

    compute = _Compute(ModelONEXContainer())
    await compute.initialize()
    await compute.process(ModelComputeInput(data={}, computation_type="default"))
    effect = _Effect(ModelONEXContainer())
    await effect.initialize()
    await effect.process(envelope("EFFECT", "warm", {}, "API_CALL"))
    reducer = _Reducer(ModelONEXContainer())
    reducer.fsm_contract = ModelFSMSubcontract(
        version=v1,
        state_machine_name="warm",
        state_machine_version=v1,
        description="Warm-up state machine.",
        states=[
            ModelFSMStateDefinition(
                version=v1, state_name="a", state_type="operational", description="Start state."
            ),
            ModelFSMStateDefinition(
                version=v1,
                state_name="b",
                state_type="terminal",
                description="End state.",
                is_terminal=True,
                is_recoverable=False,
            ),
        ],
        initial_state="a",
        terminal_states=["b"],
        transitions=[
            ModelFSMStateTransition(
                version=v1, transition_name="go", from_state="a", to_state="b", trigger="go"
            )
        ],
    )
    reducer.initialize_fsm_state(reducer.fsm_contract, context={})
    await reducer.initialize()
    await reducer.process(envelope("REDUCER", "go", {"x": 1}, "API_CALL"))
    orchestrator = _Orchestrator(ModelONEXContainer())
    step = uuid.uuid4()
    orchestrator.workflow_definition = ModelWorkflowDefinition(
        version=v1,
        workflow_metadata=ModelWorkflowDefinitionMetadata(
            version=v1,
            workflow_name="warm",
            workflow_version=v1,
            description="Warm-up workflow.",
            execution_mode="sequential",
        ),
        execution_graph=ModelExecutionGraph(
            version=v1,
            nodes=[
                ModelWorkflowNode(version=v1, node_id=step, node_type=EnumNodeType.COMPUTE_GENERIC)
            ],
        ),
        coordination_rules=ModelCoordinationRules(version=v1),
    )
    await orchestrator.initialize()
    await orchestrator.process(
        ModelOrchestratorInput(
            workflow_id=uuid.uuid4(),
            steps=[ModelWorkflowStep(step_id=step, step_name="s", step_type="compute")],
            execution_mode=EnumExecutionMode.SEQUENTIAL,
            metadata=ModelOrchestratorInputMetadata(trigger="warm"),
        )
    )
    for node in (compute, effect, reducer, orchestrator):
        await node.cleanup()
