"""Verify a rendered project: every node package checked in a forked, warm sandbox child.

The warm parents import omnibase-core (nodes, validation, container), pytest and
`app.verification.checks` once and run `checks.warm_up()`; each package then costs one
fork plus the import of its own generated modules. Packages are verified concurrently
(bounded by the pool's workers) with a per-package timeout; a timeout or crash becomes a
failed report, never a missing one.

Work is balanced across the lanes: when the packages do not divide evenly over them (one
package on two workers, three on two, ...), some packages are verified as two halves in two
children at once, the node checks in one and the generated tests in the other, and the
halves' reports are joined. Both halves always run; the joined report is the one a single
child would have produced.
"""

import asyncio
import heapq
import time
from pathlib import Path
from typing import Any, Literal

from app.analysis.plan import NodePlan, Plan
from app.generation.render import package_path
from app.generation.render_samples import node_calls
from app.sandbox import SandboxPool, SandboxResult
from app.verification.schemas import CheckResult, PackageReport

VERIFY_TASK = "app.verification.checks:verify_package"
PRELOAD = ("app.verification.checks", "app.verification.checks:warm_up")

# Estimated cost of verifying a package (fork, imports, lifecycle and tests, ms-ish: measured
# on the sample PRDs) and of each half when split: both halves repeat the fork and the import
# of the package, so together they cost ~1.5 whole packages.
_BASE_COST = 30.0
_COST_PER_OPERATION = 2.0
_PART_SHARE = {"node": 0.72, "tests": 0.78}
_MIN_GAIN = 0.95  # split only for a makespan at least 5% shorter

type Unit = tuple[int, str, float]  # (package index, part, estimated cost)


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
        """One report per node of `plan`, in plan order, at most `parallelism` at a time."""
        width = max(1, parallelism or self.max_parallel)
        limit = asyncio.Semaphore(width)
        payloads = [package_payload(project_dir, plan, n, self.test_runner) for n in plan.nodes]
        costs = [_BASE_COST + _COST_PER_OPERATION * len(p["operations"]) for p in payloads]
        units = schedule(costs, min(width, self.pool.size))
        done = await asyncio.gather(
            *(self._run_unit(project_dir, payloads[i], part, limit) for i, part, _ in units)
        )
        parts: list[dict[str, tuple[SandboxResult, float, float]]] = [{} for _ in plan.nodes]
        for (index, part, _), outcome in zip(units, done, strict=True):
            parts[index][part] = outcome
        return [_package_report(payloads[i], node, parts[i]) for i, node in enumerate(plan.nodes)]

    async def _run_unit(
        self, project_dir: Path, payload: dict[str, Any], part: str, limit: asyncio.Semaphore
    ) -> tuple[SandboxResult, float, float]:
        """Run one part of a package; returns the result and its (queued) start and end."""
        started = time.perf_counter()
        async with limit:
            result = await self.pool.run(
                VERIFY_TASK,
                {**payload, "part": part},
                timeout_s=self.package_timeout_s,
                cwd=str(project_dir),
            )
        return result, started, time.perf_counter()


def schedule(costs: list[float], lanes: int) -> list[Unit]:
    """Units to run, in dispatch order, for packages of estimated `costs` on `lanes` workers.

    Longest-first list scheduling; the k heaviest packages are split into their "node" and
    "tests" halves for the k (0..n) with the shortest estimated makespan (ties: fewer splits).
    """
    heaviest = sorted(range(len(costs)), key=lambda i: -costs[i])
    best: tuple[float, list[Unit]] | None = None
    for k in range(len(costs) + 1 if lanes > 1 else 1):
        split = set(heaviest[:k])
        units: list[Unit] = []
        for i, cost in enumerate(costs):
            if i in split:
                units += [(i, part, cost * share) for part, share in _PART_SHARE.items()]
            else:
                units.append((i, "all", cost))
        units.sort(key=lambda u: -u[2])
        makespan = _makespan([u[2] for u in units], lanes)
        if best is None or makespan < best[0] * _MIN_GAIN:
            best = (makespan, units)
    return best[1] if best else []


def _makespan(durations: list[float], lanes: int) -> float:
    finish = [0.0] * max(1, lanes)
    for duration in durations:  # each unit goes to the lane that frees up first
        heapq.heappush(finish, heapq.heappop(finish) + duration)
    return max(finish)


def _package_report(
    payload: dict[str, Any], node: NodePlan, parts: dict[str, tuple[SandboxResult, float, float]]
) -> PackageReport:
    """Join a package's part results into its report (node checks first, then the tests)."""
    elapsed_ms = (max(p[2] for p in parts.values()) - min(p[1] for p in parts.values())) * 1000.0
    if "all" in parts:
        return _report(payload, node, parts["all"][0], elapsed_ms)
    checks = _report(payload, node, parts["node"][0], elapsed_ms)
    if not checks.ok:  # as in one child: the tests' verdict is not reported after a failure
        return checks
    tests = _report(payload, node, parts["tests"][0], elapsed_ms)
    return checks.model_copy(update={"ok": tests.ok, "checks": checks.checks + tests.checks})


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
