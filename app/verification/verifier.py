"""Verify a rendered project: every node package checked in a forked, warm sandbox child.

The warm parents import omnibase-core (nodes, validation, container), pytest and
`app.verification.checks` once and run `warmup.warm_up()`; each package then costs one
fork plus the import of its own generated modules. Packages are verified concurrently
(bounded by the pool's workers) with a per-package timeout; a timeout or crash becomes a
failed report, never a missing one.
"""

import asyncio
import logging
import os
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Literal

from app.analysis.plan import NodePlan, Plan
from app.analysis.plan_calls import node_calls, package_path
from app.sandbox import SandboxPolicy, SandboxPool, SandboxResult
from app.sandbox.scratch import remove_stale, scratch_folder
from app.verification.schemas import CheckResult, PackageReport

log = logging.getLogger(__name__)

VERIFY_TASK = "app.verification.checks:verify_package"
PRELOAD = ("app.verification.checks", "app.verification.warmup:warm_up")


def package_payload(
    project_dir: Path, plan: Plan, node: NodePlan, test_runner: str = "fast"
) -> dict[str, Any]:
    """The sandbox payload for one node package (derived from the plan, not the files)."""
    categories = {s.name: s.category for s in plan.external_systems}
    calls = node_calls(node, categories)
    return {
        "project_dir": str(project_dir),
        "package": package_path(plan, node),
        "module": package_path(plan, node).replace("/", "."),
        "kind": node.kind,
        "class_name": node.class_name,
        "effect_type": calls.effect_type,
        "operations": [c.model_dump() for c in calls.operations],
        "test_runner": test_runner,
    }


class Verifier:
    """Owns (or borrows) a SandboxPool and turns its results into PackageReports."""

    def __init__(
        self,
        pool: SandboxPool | None = None,
        *,
        workers: int = 2,
        memory_limit_mb: int = 1024,
        package_timeout_s: float = 10.0,
        test_runner: Literal["fast", "pytest"] = "fast",
        max_parallel: int | None = None,
        scratch_dir: Path | None = None,
        policy: SandboxPolicy | None = None,
    ) -> None:
        self._owns_pool = pool is None
        self.pool = pool or SandboxPool(
            preload=PRELOAD, workers=workers, memory_limit_mb=memory_limit_mb, policy=policy
        )
        self.package_timeout_s = package_timeout_s
        self.test_runner = test_runner
        self.max_parallel = max(1, max_parallel or workers)
        self.scratch_dir = scratch_dir or default_scratch_dir()

    @property
    def alive(self) -> bool:
        return self.pool.alive

    async def start(self) -> None:
        removed = remove_stale(self.scratch_dir)  # left by a killed run of the service
        if removed:
            log.warning("removed %d stale scratch folders: %s", len(removed), removed[:5])
        if self._owns_pool:
            await self.pool.start()

    def scratch(self) -> AbstractContextManager[Path]:
        """A project folder the sandbox can read, removed afterwards."""
        return scratch_folder(self.scratch_dir)

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

    async def verify_project(
        self, project_dir: Path, plan: Plan, *, parallelism: int | None = None
    ) -> list[PackageReport]:
        """One report per node of `plan`, in plan order, at most `parallelism` at a time."""
        limit = asyncio.Semaphore(max(1, parallelism or self.max_parallel))

        async def bounded(node: NodePlan) -> PackageReport:
            async with limit:
                return await self.verify_node(project_dir, plan, node)

        tasks = {i: asyncio.ensure_future(bounded(plan.nodes[i])) for i in largest_first(plan)}
        await asyncio.gather(*tasks.values())
        return [tasks[i].result() for i in range(len(plan.nodes))]

    async def verify_node(self, project_dir: Path, plan: Plan, node: NodePlan) -> PackageReport:
        """Verify the package of `node`, already written under `project_dir`."""
        payload = package_payload(project_dir, plan, node, self.test_runner)
        started = time.perf_counter()
        result = await self.pool.run(
            VERIFY_TASK, payload, timeout_s=self.package_timeout_s, cwd=str(project_dir)
        )
        return _report(payload, node, result, (time.perf_counter() - started) * 1000.0)


def default_scratch_dir() -> Path | None:
    """/dev/shm when usable: creating and deleting a project per request on a journalled
    disk costs kernel time that competes with the checks themselves."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def largest_first(plan: Plan) -> list[int]:
    """Node indexes, the costliest package to verify first (longest-processing-time order):
    with a few packages on two cores, starting a big one last is what leaves a core idle."""
    return sorted(range(len(plan.nodes)), key=lambda i: -_expected_cost(plan.nodes[i]))


def _expected_cost(node: NodePlan) -> int:
    """Relative verification cost: one generated test per operation, transition and step."""
    machine = len(node.state_machine.transitions) if node.state_machine else 0
    flow = len(node.flow.steps) if node.flow else 0
    return len(node.operations) + machine + flow


def _report(
    payload: dict[str, Any], node: NodePlan, result: SandboxResult, elapsed_ms: float
) -> PackageReport:
    if not result.ok or not isinstance(result.value, dict):
        reason = "refused" if result.refused else "timed out" if result.timed_out else "crashed"
        return PackageReport(
            package=payload["package"],
            kind=node.kind,
            class_name=node.class_name,
            ok=False,
            checks=[
                CheckResult(
                    name="sandbox",
                    ok=False,
                    detail=f"verification {reason}: {result.error}",
                    duration_ms=result.duration_ms,
                )
            ],
            duration_ms=elapsed_ms,
        )
    value = result.value
    return PackageReport(
        package=payload["package"],
        kind=node.kind,
        class_name=value.get("class_name") or node.class_name,
        ok=bool(value.get("ok")),
        checks=[CheckResult.model_validate(c) for c in value.get("checks", [])],
        duration_ms=elapsed_ms,
    )
