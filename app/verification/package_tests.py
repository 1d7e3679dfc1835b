"""Run a generated package's own tests: a fast in-process runner, or pytest itself."""

import inspect
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from app.verification.check_report import require


def run_test_functions(module: ModuleType) -> tuple[int, list[str]]:
    """A minimal, honest runner for plugin-free pytest modules: every `test_*` function."""
    tests: list[tuple[str, Callable[[], object]]] = [
        (name, fn)
        for name, fn in vars(module).items()
        if name.startswith("test_") and inspect.isfunction(fn) and fn.__module__ == module.__name__
    ]
    failures: list[str] = []
    for name, fn in tests:
        require(not inspect.signature(fn).parameters, f"{name} needs fixtures; use pytest mode")
        try:
            fn()
        except Exception as exc:
            tail = traceback.format_exception(exc)[-1].strip()
            failures.append(f"{name}: {tail}")
    return len(tests), failures


def run_pytest(test_file: Path, root: Path) -> tuple[int, list[str]]:
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
