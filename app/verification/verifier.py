"""Verify a rendered project: every node package checked in a forked, warm sandbox child.

The warm parents import omnibase-core (nodes, validation, container), pytest and
`app.verification.checks` once and run `warmup.warm_up()`; each package then costs one
fork plus the import of its own generated modules. Packages are verified concurrently
(bounded by the pool's workers) with a per-package timeout; a timeout or crash becomes a
failed report, never a missing one.
"""

import asyncio
import time
from pathlib import Path
from typing import Any, Literal

from app.analysis.plan import NodePlan, Plan
from app.generation.render import package_path
from app.generation.render_samples import node_calls
from app.sandbox import SandboxPool, SandboxResult
from app.verification.schemas import CheckResult, PackageReport

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
    ) -> None:
        self._owns_pool = pool is None
        self.pool = pool or SandboxPool(
            preload=PRELOAD, workers=workers, memory_limit_mb=memory_limit_mb
        )
        self.package_timeout_s = package_timeout_s
        self.test_runner = test_runner
        self.max_parallel = max(1, max_parallel or workers)

    @property
    def alive(self) -> bool:
        return self.pool.alive

    async def start(self) -> None:
        if self._owns_pool:
            await self.pool.start()

    async def close(self) -> None:
        if self._owns_pool:
            await self.pool.close()

    async def verify_project(
        self, project_dir: Path, plan: Plan, *, parallelism: int | None = None
    ) -> list[PackageReport]:
        """One report per node of `plan`, in plan order, at most `parallelism` at a time.

        The largest packages start first (longest-processing-time order): with a few packages
        on two workers, starting a big one last is what leaves a core idle at the end."""
        limit = asyncio.Semaphore(max(1, parallelism or self.max_parallel))
        order = sorted(range(len(plan.nodes)), key=lambda i: -_expected_cost(plan.nodes[i]))
        tasks: dict[int, asyncio.Future[PackageReport]] = {}
        for i in order:
            tasks[i] = asyncio.ensure_future(self._verify(project_dir, plan, plan.nodes[i], limit))
        await asyncio.gather(*tasks.values())
        return [tasks[i].result() for i in range(len(plan.nodes))]

    async def _verify(
        self, project_dir: Path, plan: Plan, node: NodePlan, limit: asyncio.Semaphore
    ) -> PackageReport:
        payload = package_payload(project_dir, plan, node, self.test_runner)
        started = time.perf_counter()
        async with limit:
            result = await self.pool.run(
                VERIFY_TASK, payload, timeout_s=self.package_timeout_s, cwd=str(project_dir)
            )
        return _report(payload, node, result, (time.perf_counter() - started) * 1000.0)


def _expected_cost(node: NodePlan) -> int:
    """Relative verification cost: one generated test per operation, transition and step."""
    machine = len(node.state_machine.transitions) if node.state_machine else 0
    flow = len(node.flow.steps) if node.flow else 0
    return len(node.operations) + machine + flow


def _report(
    payload: dict[str, Any], node: NodePlan, result: SandboxResult, elapsed_ms: float
) -> PackageReport:
    if not result.ok or not isinstance(result.value, dict):
        reason = "timed out" if result.timed_out else "crashed"
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
