"""Checks of one generated package, run inside a forked sandbox child.

`verify_package(payload)` is the sandbox task (`app.verification.checks:verify_package`). It
validates the contract, imports ``node.py``, finds exactly one node class on the right
omnibase-core base, instantiates and initialises it with ``ModelONEXContainer()``, calls
``process()`` once per operation on an example input (and once with an unknown operation,
which must be rejected), runs the package's own generated tests, then ``cleanup()``.

The warm parent's preload hook lives in `app.verification.warmup`.
"""

import asyncio
import contextlib
import importlib
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import yaml
from omnibase_core.enums.enum_core_error_code import EnumCoreErrorCode
from omnibase_core.errors.model_onex_error import ModelOnexError
from omnibase_core.models.container.model_onex_container import ModelONEXContainer
from omnibase_core.validation import ServiceContractValidator

from app.verification.check_report import CheckFailed, Report, check, require
from app.verification.node_io import BASES, ContractKind, check_output, envelope
from app.verification.package_tests import run_pytest, run_test_functions

UNKNOWN_OPERATION = "__no_such_operation__"
# libyaml when the wheel has it (this check only reads `node_type`; the framework's validator
# still parses the text itself).
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _node_classes(module: ModuleType) -> list[tuple[type, str]]:
    found: list[tuple[type, str]] = []
    for _, obj in inspect.getmembers(module, inspect.isclass):
        if obj.__module__ != module.__name__:
            continue
        for kind, base in BASES.items():
            if issubclass(obj, base) and obj is not base:
                found.append((obj, kind))
    return found


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
    with contextlib.suppress(CheckFailed):  # the failed check is already in the report
        with check(report, "contract") as entry:
            text = (package_dir / "contract.yaml").read_text(encoding="utf-8")
            declared = yaml.load(text, Loader=_YAML_LOADER).get("node_type")
            want = f"{kind}_GENERIC"
            require(declared == want, f"node_type {declared!r}, want {want}")
            verdict = ServiceContractValidator().validate_contract_yaml(
                text, contract_type=cast(ContractKind, kind.lower())
            )
            require(verdict.is_valid, "; ".join(verdict.violations) or "invalid contract")
            entry["detail"] = "; ".join(verdict.warnings) or f"score {verdict.score}"
        with check(report, "import") as entry:
            module = importlib.import_module(f"{module_name}.node")
            entry["detail"] = module.__name__
        with check(report, "node_class") as entry:
            classes = _node_classes(module)
            require(len(classes) == 1, f"{len(classes)} node classes defined, want exactly 1")
            cls, base_kind = classes[0]
            require(base_kind == kind, f"{cls.__name__} is {base_kind}, contract says {kind}")
            require("process" in vars(cls), f"{cls.__name__} does not override process()")
            expected = payload.get("class_name")
            require(expected in (None, cls.__name__), f"class {cls.__name__}, plan says {expected}")
            result["class_name"] = cls.__name__
            entry["detail"] = f"{cls.__name__}({BASES[kind].__name__})"
        asyncio.run(_exercise(report, cls, kind, calls, effect_type))
        with check(report, "tests") as entry:
            test_file = package_dir / "tests" / f"test_{package_dir.name}.py"
            require(test_file.is_file(), f"missing {test_file.relative_to(root)}")
            if payload.get("test_runner", "fast") == "pytest":
                count, failures = run_pytest(test_file, root)
            else:
                test_module = importlib.import_module(
                    f"{module_name}.tests.test_{package_dir.name}"
                )
                count, failures = run_test_functions(test_module)
            require(count > 0, "no tests found")
            require(not failures, f"{len(failures)}/{count} failed: " + " | ".join(failures))
            entry["detail"] = f"{count} passed"
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
    with check(report, "instantiate") as entry:
        node = cls(container)
        await node.initialize()
        entry["detail"] = "initialised"
    try:
        with check(report, "operations") as entry:
            require(bool(calls), "no operations to exercise")
            details = []
            for call in calls:
                fresh = cls(container)  # each operation from a clean node state
                for trigger in call.get("prelude", []):
                    await fresh.process(envelope(kind, trigger, {}, effect_type))
                try:
                    output = await fresh.process(
                        envelope(kind, call["name"], call["sample"], effect_type)
                    )
                except Exception as exc:
                    raise CheckFailed(f"{call['name']}: {type(exc).__name__}: {exc}") from exc
                details.append(f"{call['name']}: {check_output(kind, call, output)}")
            entry["detail"] = "; ".join(details)
        with check(report, "unknown_operation") as entry:
            try:
                await node.process(envelope(kind, UNKNOWN_OPERATION, {}, effect_type))
            except ModelOnexError as exc:
                require(
                    exc.error_code == EnumCoreErrorCode.UNSUPPORTED_OPERATION,
                    f"rejected with {exc.error_code}, want UNSUPPORTED_OPERATION",
                )
                entry["detail"] = "rejected with UNSUPPORTED_OPERATION"
            else:
                raise CheckFailed("an unknown operation was accepted")
    finally:
        with check(report, "cleanup"):
            await node.cleanup()
