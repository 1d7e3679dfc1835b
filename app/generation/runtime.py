"""Long-lived generation resources, built once in the lifespan (and by the benchmarks)."""

import logging
from dataclasses import dataclass, field

from app.analysis.isolated import IsolatedAnalyser
from app.config import Settings
from app.generation.pipeline import MixinAdvisor, Pipeline
from app.generation.template_cache import build_environment
from app.generation.verdicts import ThresholdSource
from app.sandbox import SandboxPolicy
from app.sandbox import metrics as sandbox_metrics
from app.verification.verifier import Verifier

log = logging.getLogger(__name__)


@dataclass
class GenerationResources:
    pipeline: Pipeline
    verifier: Verifier
    analyser: IsolatedAnalyser
    closers: list[Verifier] = field(default_factory=list)


async def build_pipeline(
    settings: Settings,
    *,
    advisor: MixinAdvisor | None = None,
    thresholds: ThresholdSource | None = None,
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
    sandbox_metrics.bind(verifier.pool)
    analyser = IsolatedAnalyser(
        workers=settings.analysis.workers, budget_s=settings.analysis.budget_s
    )
    pipeline = Pipeline(
        templates=build_environment(),
        verifier=verifier,
        advisor=advisor,
        analyser=analyser,
        thresholds=thresholds,
    )
    await _warm(pipeline)
    return GenerationResources(
        pipeline=pipeline, verifier=verifier, analyser=analyser, closers=[verifier]
    )


# one node of each kind, so that every kind's first mixin recommendation is made here
_WARM_PRD = """# Orders

- The service shall store each order with its status: draft -> submitted -> approved.
- The service shall calculate the order total from its lines.
- The service shall send an email through SendGrid when an order is approved.
- The order workflow: submit order, approve order, notify customer.
"""


async def _warm(pipeline: Pipeline) -> None:
    """Plan a tiny PRD once: the analysis workers are spawned and the mixin advisor's first
    use is paid here, not by the first request (it held up /health/live for ~400 ms)."""
    try:
        await pipeline.plan(_WARM_PRD, project_name=None)
    except Exception as exc:  # the service still starts; requests meet the same failure
        log.warning("warming the generation pipeline failed: %s", exc)


async def close_pipeline(resources: GenerationResources) -> None:
    for closer in resources.closers:
        await closer.close()
    resources.analyser.close()
