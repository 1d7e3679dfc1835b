"""Render and verify the node packages of one generation concurrently.

Each node is one job: render its package, write it into the scratch project, verify it in the
sandbox. At most `parallelism` jobs run at once, the costliest package first; with a bound of
1 the nodes are done strictly one after another. The project's root files are written before
any job starts (packages import through them). The manifest and the archive only need the
files, not the verdicts, so they are built as soon as the last package is rendered, while
verification is still running.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import jinja2

from app.analysis.plan import Plan
from app.generation.archive import build_archive
from app.generation.render import (
    ProjectLayout,
    finish_project,
    layout_project,
    render_package,
    render_root,
)
from app.verification.schemas import PackageReport
from app.verification.verifier import Verifier, largest_first


@dataclass
class VerifiedBuild:
    files: dict[str, str]
    archive: bytes
    reports: list[PackageReport]
    # render: until the last package was rendered; verify: until the last verdict; archive:
    # the manifest and zip alone (they overlap verification, so the phases overlap too).
    timings_ms: dict[str, float] = field(default_factory=dict)


async def build_verified(
    templates: jinja2.Environment,
    verifier: Verifier,
    plan: Plan,
    *,
    prd_sha256: str,
    generator_version: str,
    parallelism: int | None,
) -> VerifiedBuild:
    started = time.perf_counter()
    layout = await anyio.to_thread.run_sync(layout_project, plan)
    with verifier.scratch() as tmp:
        bound = parallelism or verifier.max_parallel
        build = _Build(templates, verifier, layout, bound, Path(tmp))
        await build.write(lambda: render_root(templates, layout))
        try:
            async with asyncio.TaskGroup() as group:
                jobs = {i: group.create_task(build.node_job(i)) for i in largest_first(plan)}
                packaging = group.create_task(
                    build.package(prd_sha256=prd_sha256, generator_version=generator_version)
                )
        except* Exception as failure:  # a bug, not a verdict: surface the first cause
            raise failure.exceptions[0] from failure
    files, archive, archive_ms = packaging.result()
    reports = [jobs[i].result() for i in range(len(plan.nodes))]
    elapsed = {
        "render": round((build.rendered_at - started) * 1000, 3),
        "verify": round((time.perf_counter() - started) * 1000, 3),
        "archive": archive_ms,
    }
    return VerifiedBuild(files=files, archive=archive, reports=reports, timings_ms=elapsed)


class _Build:
    def __init__(
        self,
        templates: jinja2.Environment,
        verifier: Verifier,
        layout: ProjectLayout,
        bound: int,
        root: Path,
    ) -> None:
        self.templates = templates
        self.verifier = verifier
        self.layout = layout
        self.limit = asyncio.Semaphore(max(1, bound))
        # Rendering holds the GIL: renders taking turns get each package to its sandbox
        # sooner than renders interleaved in threads, and keep the costliest-first order.
        self.rendering = asyncio.Lock()
        self.root = root
        self.files: dict[str, str] = {}
        self.pending = len(layout.nodes)
        self.all_rendered = asyncio.Event()
        if not self.pending:
            self.all_rendered.set()
        self.rendered_at = time.perf_counter()

    async def write(self, render: Callable[[], dict[str, str]]) -> None:
        files = await anyio.to_thread.run_sync(_render_and_write, render, self.root)
        self.files.update(files)

    async def node_job(self, index: int) -> PackageReport:
        async with self.limit:
            async with self.rendering:
                await self.write(lambda: render_package(self.templates, self.layout, index))
            self.pending -= 1
            if self.pending == 0:
                self.rendered_at = time.perf_counter()
                self.all_rendered.set()
            plan = self.layout.plan
            return await self.verifier.verify_node(self.root, plan, plan.nodes[index])

    async def package(
        self, *, prd_sha256: str, generator_version: str
    ) -> tuple[dict[str, str], bytes, float]:
        await self.all_rendered.wait()
        started = time.perf_counter()
        layout, files = self.layout, dict(self.files)

        def finish() -> tuple[dict[str, str], bytes]:
            complete = finish_project(
                self.templates,
                layout,
                files,
                prd_sha256=prd_sha256,
                generator_version=generator_version,
            )
            return complete, build_archive(complete, root=layout.plan.project_name)

        complete, archive = await anyio.to_thread.run_sync(finish)
        return complete, archive, round((time.perf_counter() - started) * 1000, 3)


def _render_and_write(render: Callable[[], dict[str, str]], root: Path) -> dict[str, str]:
    files = render()
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return files
