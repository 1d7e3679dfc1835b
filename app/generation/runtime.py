"""Long-lived generation resources, built once in the lifespan (and by the benchmarks)."""

from dataclasses import dataclass, field

from app.analysis.isolated import IsolatedAnalyser
from app.config import Settings
from app.generation.pipeline import MixinAdvisor, Pipeline
from app.generation.template_cache import build_environment
from app.sandbox import SandboxPolicy
from app.verification.verifier import Verifier


@dataclass
class GenerationResources:
    pipeline: Pipeline
    verifier: Verifier
    analyser: IsolatedAnalyser
    closers: list[Verifier] = field(default_factory=list)


async def build_pipeline(
    settings: Settings, *, advisor: MixinAdvisor | None = None
) -> GenerationResources:
    verifier = Verifier(
        workers=settings.verification.workers,
        memory_limit_mb=settings.verification.memory_limit_mb,
        package_timeout_s=settings.generation.node_timeout_s,
        max_parallel=settings.generation.max_parallel_nodes,
        scratch_dir=settings.verification.scratch_dir,
        policy=SandboxPolicy.from_settings(settings),
    )
    await verifier.start()
    analyser = IsolatedAnalyser(
        workers=settings.analysis.workers, budget_s=settings.analysis.budget_s
    )
    pipeline = Pipeline(
        templates=build_environment(), verifier=verifier, advisor=advisor, analyser=analyser
    )
    return GenerationResources(
        pipeline=pipeline, verifier=verifier, analyser=analyser, closers=[verifier]
    )


async def close_pipeline(resources: GenerationResources) -> None:
    for closer in resources.closers:
        await closer.close()
    resources.analyser.close()
