"""Checks of one generated package, run inside a forked sandbox child.

`verify_package(payload)` is the sandbox task (`app.verification.checks:verify_package`). It
validates the contract, imports ``node.py``, finds exactly one node class on the right
omnibase-core base, instantiates and initialises it with ``ModelONEXContainer()``, calls
``process()`` once per operation on an example input (and once with an unknown operation,
which must be rejected), runs the package's own generated tests, then ``cleanup()``.

`warm_up()` is the preload hook for the warm parent: it pays every lazy import once so a
forked child only imports the generated code itself.
"""

import asyncio
import contextlib
import importlib
import inspect
import pkgutil
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, cast

import yaml
from omnibase_core.enums.enum_core_error_code import EnumCoreErrorCode
from omnibase_core.enums.enum_effect_types import EnumEffectType, EnumTransactionState
from omnibase_core.enums.enum_reducer_types import EnumReductionType
from omnibase_core.enums.enum_workflow_execution import EnumExecutionMode
from omnibase_core.errors.model_onex_error import ModelOnexError
from omnibase_core.models.common.model_reducer_metadata import ModelReducerMetadata
from omnibase_core.models.container.model_onex_container import ModelONEXContainer
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
from omnibase_core.validation import ServiceContractValidator

BASES: dict[str, type] = {
    "COMPUTE": NodeCompute,
    "EFFECT": NodeEffect,
    "REDUCER": NodeReducer,
    "ORCHESTRATOR": NodeOrchestrator,
}
UNKNOWN_OPERATION = "__no_such_operation__"
# libyaml when the wheel has it (this check only reads `node_type`; the framework's validator
# still parses the text itself).
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

type Report = list[dict[str, Any]]
type ContractKind = Literal["effect", "compute", "reducer", "orchestrator"]


class CheckFailed(Exception):
    """A check's expectation did not hold (the message is the report detail)."""


@contextmanager
def _check(report: Report, name: str) -> Iterator[dict[str, Any]]:
    """Record one check; an exception marks it failed and is re-raised as CheckFailed."""
    entry: dict[str, Any] = {"name": name, "ok": True, "detail": "", "duration_ms": 0.0}
    started = time.perf_counter()
    try:
        yield entry
    except Exception as exc:
        entry["ok"] = False
        message = str(exc) if isinstance(exc, CheckFailed) else f"{type(exc).__name__}: {exc}"
        entry["detail"] = message[:2000]
        raise CheckFailed(message) from exc
    finally:
        entry["duration_ms"] = round((time.perf_counter() - started) * 1000.0, 3)
        report.append(entry)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _envelope(kind: str, operation: str, sample: dict[str, Any], effect_type: str) -> Any:
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


def _check_output(kind: str, call: dict[str, Any], output: Any) -> str:
    name = call["name"]
    if kind == "COMPUTE":
        _require(isinstance(output, ModelComputeOutput), f"{type(output).__name__} returned")
        _require(output.computation_type == name, "computation_type not echoed")
        _require(isinstance(output.result, dict), "result is not a JSON object")
        return f"{len(output.result)} result fields"
    if kind == "EFFECT":
        _require(isinstance(output, ModelEffectOutput), f"{type(output).__name__} returned")
        _require(output.transaction_state == EnumTransactionState.COMMITTED, "effect not committed")
        return f"side effects {output.side_effects_applied}"
    if kind == "REDUCER":
        _require(isinstance(output, ModelReducerOutput), f"{type(output).__name__} returned")
        if call["mode"] == "transition":
            meta = output.fsm_metadata
            _require(meta is not None and meta.fsm_transition_success, "transition failed")
            assert meta is not None
            return f"{meta.fsm_previous_state} -> {meta.fsm_state}"
        _require(len(output.result) == 1, "no fold record")
        return f"{output.items_processed} item(s) folded"
    _require(isinstance(output, ModelOrchestratorOutput), f"{type(output).__name__} returned")
    _require(output.execution_status == "completed", f"status {output.execution_status}")
    _require(not output.failed_steps, f"failed steps {output.failed_steps}")
    return f"{len(output.actions_emitted)} action(s) emitted"


def _node_classes(module: ModuleType) -> list[tuple[type, str]]:
    found: list[tuple[type, str]] = []
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if obj.__module__ != module.__name__:
            continue
        for kind, base in BASES.items():
            if issubclass(obj, base) and obj is not base:
                found.append((obj, kind))
    return found


def _run_test_functions(module: ModuleType) -> tuple[int, list[str]]:
    """A minimal, honest runner for plugin-free pytest modules: every `test_*` function."""
    tests: list[tuple[str, Callable[[], object]]] = [
        (name, fn)
        for name, fn in vars(module).items()
        if name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == module.__name__
    ]
    failures: list[str] = []
    for name, fn in tests:
        _require(not inspect.signature(fn).parameters, f"{name} needs fixtures; use pytest mode")
        try:
            fn()
        except Exception as exc:
            tail = traceback.format_exception(exc)[-1].strip()
            failures.append(f"{name}: {tail}")
    return len(tests), failures


def _run_pytest(test_file: Path, root: Path) -> tuple[int, list[str]]:
    import pytest

    class _Collector:
        def __init__(self) -> None:
            self.passed = 0
            self.failures: list[str] = []

        def pytest_runtest_logreport(self, report: Any) -> None:
            if report.when == "call" and report.passed:
                self.passed += 1
            elif report.failed:
                self.failures.append(f"{report.nodeid}: {report.longreprtext[-300:]}")

    collector = _Collector()
    code = pytest.main(
        [str(test_file), "-q", "-p", "no:cacheprovider", "--rootdir", str(root), "-x"],
        plugins=[collector],
    )
    if code not in (0, 1) and not collector.failures:
        collector.failures.append(f"pytest exited with {code!r}")
    return collector.passed + len(collector.failures), collector.failures


def verify_package(payload: dict[str, Any]) -> dict[str, Any]:
    """Sandbox task: verify one package; returns {"ok", "class_name", "checks": [...]}."""
    root = Path(payload["project_dir"]).resolve()
    package_dir = root / payload["package"]
    module_name = payload["module"]
    kind: str = payload["kind"]
    calls: list[dict[str, Any]] = payload["operations"]
    effect_type: str = payload.get("effect_type", "API_CALL")
    report: Report = []
    result: dict[str, Any] = {"ok": False, "class_name": None, "checks": report}
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        with _check(report, "contract") as entry:
            text = (package_dir / "contract.yaml").read_text(encoding="utf-8")
            declared = yaml.load(text, Loader=_YAML_LOADER).get("node_type")
            want = f"{kind}_GENERIC"
            _require(declared == want, f"node_type {declared!r}, want {want}")
            verdict = ServiceContractValidator().validate_contract_yaml(
                text, contract_type=cast(ContractKind, kind.lower())
            )
            _require(verdict.is_valid, "; ".join(verdict.violations) or "invalid contract")
            entry["detail"] = "; ".join(verdict.warnings) or f"score {verdict.score}"
        with _check(report, "import") as entry:
            module = importlib.import_module(f"{module_name}.node")
            entry["detail"] = module.__name__
        with _check(report, "node_class") as entry:
            classes = _node_classes(module)
            _require(len(classes) == 1, f"{len(classes)} node classes defined, want exactly 1")
            cls, base_kind = classes[0]
            _require(base_kind == kind, f"{cls.__name__} is {base_kind}, contract says {kind}")
            _require("process" in vars(cls), f"{cls.__name__} does not override process()")
            expected = payload.get("class_name")
            _require(
                expected in (None, cls.__name__), f"class {cls.__name__}, plan says {expected}"
            )
            result["class_name"] = cls.__name__
            entry["detail"] = f"{cls.__name__}({BASES[kind].__name__})"
        asyncio.run(_exercise(report, cls, kind, calls, effect_type))
        with _check(report, "tests") as entry:
            test_file = package_dir / "tests" / f"test_{package_dir.name}.py"
            _require(test_file.is_file(), f"missing {test_file.relative_to(root)}")
            if payload.get("test_runner", "fast") == "pytest":
                count, failures = _run_pytest(test_file, root)
            else:
                test_module = importlib.import_module(
                    f"{module_name}.tests.test_{package_dir.name}"
                )
                count, failures = _run_test_functions(test_module)
            _require(count > 0, "no tests found")
            _require(not failures, f"{len(failures)}/{count} failed: " + " | ".join(failures))
            entry["detail"] = f"{count} passed"
    except CheckFailed:
        pass
    result["ok"] = bool(report) and all(c["ok"] for c in report) and report[-1]["name"] == "tests"
    return result


async def _exercise(
    report: Report, cls: type, kind: str, calls: list[dict[str, Any]], effect_type: str
) -> None:
    """Instantiate, initialise, call every operation and an unknown one, clean up.

    One DI container serves every node built here, as in a runtime; each operation still
    runs on a freshly constructed node.
    """
    container = ModelONEXContainer()
    with _check(report, "instantiate") as entry:
        node = cls(container)
        await node.initialize()
        entry["detail"] = "initialised"
    try:
        with _check(report, "operations") as entry:
            _require(bool(calls), "no operations to exercise")
            details = []
            for call in calls:
                fresh = cls(container)  # each operation from a clean node state
                for trigger in call.get("prelude", []):
                    await fresh.process(_envelope(kind, trigger, {}, effect_type))
                try:
                    output = await fresh.process(
                        _envelope(kind, call["name"], call["sample"], effect_type)
                    )
                except Exception as exc:
                    raise CheckFailed(f"{call['name']}: {type(exc).__name__}: {exc}") from exc
                details.append(f"{call['name']}: {_check_output(kind, call, output)}")
            entry["detail"] = "; ".join(details)
        with _check(report, "unknown_operation") as entry:
            try:
                await node.process(_envelope(kind, UNKNOWN_OPERATION, {}, effect_type))
            except ModelOnexError as exc:
                _require(
                    exc.error_code == EnumCoreErrorCode.UNSUPPORTED_OPERATION,
                    f"rejected with {exc.error_code}, want UNSUPPORTED_OPERATION",
                )
                entry["detail"] = "rejected with UNSUPPORTED_OPERATION"
            else:
                raise CheckFailed("an unknown operation was accepted")
    finally:
        with _check(report, "cleanup"):
            await node.cleanup()


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
        pass

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
        pass

    class _Orchestrator(NodeOrchestrator):
        pass

    compute = _Compute(ModelONEXContainer())
    await compute.initialize()
    await compute.process(ModelComputeInput(data={}, computation_type="default"))
    effect = _Effect(ModelONEXContainer())
    await effect.initialize()
    await effect.process(_envelope("EFFECT", "warm", {}, "API_CALL"))
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
    await reducer.process(_envelope("REDUCER", "go", {"x": 1}, "API_CALL"))
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
