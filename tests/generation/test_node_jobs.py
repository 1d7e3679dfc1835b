"""Node jobs: each node rendered, written and verified in the real sandbox, under a bound."""

import time
from pathlib import Path

import pytest

from app.analysis.plan import NodePlan, Plan
from app.generation.node_jobs import build_verified
from app.generation.render import render_project
from app.generation.template_cache import build_environment
from app.verification.schemas import PackageReport
from app.verification.verifier import Verifier
from tests.verification import sample_plans as sp

ENV = build_environment()


class RecordingVerifier(Verifier):
    """The real verifier, recording when each package check ran and where."""

    def __init__(self, **options: object) -> None:
        super().__init__(workers=4, package_timeout_s=10.0, **options)  # type: ignore[arg-type]
        self.spans: list[tuple[float, float]] = []
        self.roots: list[Path] = []
        self.break_node: str | None = None

    async def verify_node(self, project_dir: Path, plan: Plan, node: NodePlan) -> PackageReport:
        self.roots.append(project_dir)
        if node.name == self.break_node:
            corrupt(project_dir, node.name)
        started = time.perf_counter()
        report = await super().verify_node(project_dir, plan, node)
        self.spans.append((started, time.perf_counter()))
        return report


def corrupt(project_dir: Path, node_name: str) -> None:
    """Break a package on disk, as a bad template would."""
    node_py = next(project_dir.glob(f"*/nodes/{node_name}/node.py"))
    node_py.write_text(node_py.read_text() + "\nraise RuntimeError('broken')\n")


@pytest.fixture(scope="module")
async def shared_verifier(tmp_path_factory):  # type: ignore[no-untyped-def]
    v = RecordingVerifier(scratch_dir=tmp_path_factory.mktemp("scratch"))
    await v.start()
    yield v
    await v.close()


@pytest.fixture
def verifier(shared_verifier):  # type: ignore[no-untyped-def]
    shared_verifier.spans.clear()
    shared_verifier.roots.clear()
    shared_verifier.break_node = None
    return shared_verifier


async def build(verifier: Verifier, plan: Plan, parallelism: int | None):  # type: ignore[no-untyped-def]
    return await build_verified(
        ENV, verifier, plan, prd_sha256="0" * 64, generator_version="test", parallelism=parallelism
    )


def most_at_once(spans: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


async def test_bound_of_one_checks_nodes_one_after_another(verifier) -> None:  # type: ignore[no-untyped-def]
    plan = sp.all_kinds_plan()
    built = await build(verifier, plan, parallelism=1)
    assert len(verifier.spans) == len(plan.nodes) == 4
    assert most_at_once(verifier.spans) == 1
    assert all(report.ok for report in built.reports)


async def test_parallel_build_overlaps_checks_and_yields_the_same_project(verifier) -> None:  # type: ignore[no-untyped-def]
    plan = sp.all_kinds_plan()
    sequential = await build(verifier, plan, parallelism=1)
    verifier.spans.clear()
    parallel = await build(verifier, plan, parallelism=None)
    assert most_at_once(verifier.spans) >= 2
    assert [r.package for r in parallel.reports] == [r.package for r in sequential.reports]
    assert all(report.ok for report in parallel.reports)
    assert parallel.archive == sequential.archive
    assert parallel.files == render_project(
        ENV, plan, prd_sha256="0" * 64, generator_version="test"
    )
    assert {"render", "verify", "archive"} <= parallel.timings_ms.keys()


async def test_a_failing_package_is_reported_and_the_others_still_pass(verifier) -> None:  # type: ignore[no-untyped-def]
    plan = sp.all_kinds_plan()
    broken = plan.nodes[1].name
    verifier.break_node = broken
    built = await build(verifier, plan, parallelism=None)
    assert len(built.reports) == len(plan.nodes)
    verdicts = {r.package.rsplit("/", 1)[-1]: r.ok for r in built.reports}
    assert verdicts.pop(broken) is False
    assert all(verdicts.values())


async def test_packages_are_written_under_the_scratch_dir_and_removed(verifier) -> None:  # type: ignore[no-untyped-def]
    await build(verifier, sp.all_kinds_plan(), parallelism=None)
    roots = set(verifier.roots)
    assert len(roots) == 1
    root = roots.pop()
    assert root.parent == verifier.scratch_dir
    assert not root.exists()
    assert not any(verifier.scratch_dir.iterdir())
