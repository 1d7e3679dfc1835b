"""PRD → plan → mixins → files → verified packages → archive. No database, no HTTP."""

import hashlib
import time
from dataclasses import dataclass, field
from typing import Protocol

import anyio
import jinja2

from app.analysis.isolated import Analyser, InlineAnalyser
from app.analysis.plan import NodePlan, Plan
from app.generation.archive import build_archive
from app.generation.errors import NothingToGenerate
from app.generation.node_jobs import VerifiedBuild, build_verified
from app.generation.render import render_project
from app.generation.sanitise import sanitise
from app.generation.verdicts import ThresholdSource
from app.verification.schemas import PackageReport
from app.verification.verifier import Verifier
from app.version import GENERATOR_VERSION


class MixinAdvisor(Protocol):
    async def recommend_for_node(self, kind: str, capabilities: list[str]) -> list[str]: ...

    def module_of(self, mixin: str) -> str: ...


@dataclass
class PipelineResult:
    plan: Plan
    prd_sha256: str
    files: dict[str, str]
    archive: bytes
    archive_sha256: str
    reports: list[PackageReport] | None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reports is None or all(report.ok for report in self.reports)


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._started = time.perf_counter()
        self._last = self._started

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = round((now - self._last) * 1000, 3)
        self._last = now

    def total(self) -> None:
        self.timings["total"] = round((time.perf_counter() - self._started) * 1000, 3)


def prd_digest(prd: str) -> str:
    return hashlib.sha256(prd.encode("utf-8")).hexdigest()


class Pipeline:
    def __init__(
        self,
        *,
        templates: jinja2.Environment,
        verifier: Verifier | None,
        advisor: MixinAdvisor | None = None,
        analyser: Analyser | None = None,
        thresholds: ThresholdSource | None = None,
    ) -> None:
        self.templates = templates
        self.analyser: Analyser = analyser or InlineAnalyser()
        self.verifier = verifier
        self.advisor = advisor
        self.thresholds = thresholds  # tuned from feedback; None: the analysis defaults

    async def _analyse(self, prd: str, project_name: str | None) -> Plan:
        limits = dict(await self.thresholds.active()) if self.thresholds is not None else None
        plan = await self.analyser.analyse(prd, project_name=project_name, thresholds=limits)
        return sanitise(plan)

    async def plan(self, prd: str, *, project_name: str | None) -> Plan:
        return await self._with_mixins(await self._analyse(prd, project_name))

    async def run(
        self, prd: str, *, project_name: str | None, verify: bool, parallelism: int | None = None
    ) -> PipelineResult:
        clock = _Clock()
        digest = prd_digest(prd)
        plan = await self._analyse(prd, project_name)
        if not plan.nodes:
            raise NothingToGenerate(len(plan.requirements))
        clock.lap("analyse")
        plan = await self._with_mixins(plan)
        clock.lap("mixins")
        if verify:
            build = await self._build_verified(plan, digest, parallelism)
            files, archive, reports = build.files, build.archive, build.reports
            clock.timings.update(build.timings_ms)
        else:
            files, archive, archive_ms = await anyio.to_thread.run_sync(
                self._render_and_archive, plan, digest
            )
            clock.lap("render")
            clock.timings["render"] = round(clock.timings["render"] - archive_ms, 3)
            clock.timings["archive"] = archive_ms
            reports = None
        clock.total()
        return PipelineResult(
            plan=plan,
            prd_sha256=digest,
            files=files,
            archive=archive,
            archive_sha256=hashlib.sha256(archive).hexdigest(),
            reports=reports,
            timings_ms=clock.timings,
        )

    def _render_and_archive(self, plan: Plan, digest: str) -> tuple[dict[str, str], bytes, float]:
        """One trip to a worker thread: the files, their zip, and the zip's own cost (ms)."""
        files = render_project(
            self.templates, plan, prd_sha256=digest, generator_version=GENERATOR_VERSION
        )
        started = time.perf_counter()
        archive = build_archive(files, root=plan.project_name)
        return files, archive, round((time.perf_counter() - started) * 1000, 3)

    async def _with_mixins(self, plan: Plan) -> Plan:
        if self.advisor is None:
            return plan
        nodes: list[NodePlan] = []
        for node in plan.nodes:
            mixins = await self.advisor.recommend_for_node(node.kind, list(node.capabilities))
            modules = {name: self.advisor.module_of(name) for name in mixins}
            nodes.append(node.model_copy(update={"mixins": mixins, "mixin_modules": modules}))
        return plan.model_copy(update={"nodes": nodes})

    async def _build_verified(
        self, plan: Plan, digest: str, parallelism: int | None
    ) -> VerifiedBuild:
        if self.verifier is None:
            raise RuntimeError("verification requested but no verifier is running")
        return await build_verified(
            self.templates,
            self.verifier,
            plan,
            prd_sha256=digest,
            generator_version=GENERATOR_VERSION,
            parallelism=parallelism,
        )
