"""Generation's domain metrics on /metrics: phase durations, outcomes, nodes by kind,
verification failures by check, and the parallel speed-up of verified builds.

Labels come from closed sets (phases, outcomes, the four kinds, the verifier's check names;
anything else is `other`), so the series count stays bounded whatever the PRDs say.
"""

from prometheus_client import Counter, Histogram

from app.generation.models import Generation

PHASES = ("analyse", "mixins", "render", "verify", "archive", "persist")
CHECKS = frozenset(
    {
        "contract",
        "import",
        "node_class",
        "tests",
        "instantiate",
        "operations",
        "unknown_operation",
        "cleanup",
        "sandbox",
    }
)
_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

PHASE_SECONDS = Histogram(
    "codegen_generation_phase_seconds",
    "Duration of each generation phase",
    ["phase"],
    buckets=_SECONDS,
)
GENERATIONS = Counter("codegen_generations_total", "Stored generations by outcome", ["outcome"])
NODES = Counter("codegen_nodes_generated_total", "Generated node packages by kind", ["kind"])
VERIFICATION_FAILURES = Counter(
    "codegen_verification_failures_total",
    "Failed verification checks of generated packages, by check",
    ["check"],
)
SPEEDUP = Histogram(
    "codegen_generation_parallel_speedup",
    "Sum of the packages' verification times over the verified build's wall time",
    buckets=(0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0),
)


def observe(generation: Generation, persist_ms: float) -> None:
    """Count one stored generation (called once its rows are written)."""
    timings = {**generation.timings_ms, "persist": persist_ms}
    for phase in PHASES:
        if phase in timings:
            PHASE_SECONDS.labels(phase).observe(timings[phase] / 1000)
    GENERATIONS.labels(generation.status).inc()
    packages: float = 0.0
    for node in generation.result["nodes"]:
        NODES.labels(node["kind"]).inc()
        report = node["verification"]
        if report is None:
            continue
        packages += report.get("duration_ms", 0.0)
        for check in report["checks"]:
            if not check["ok"]:
                VERIFICATION_FAILURES.labels(
                    check["name"] if check["name"] in CHECKS else "other"
                ).inc()
    if packages and timings.get("verify"):
        SPEEDUP.observe(packages / timings["verify"])
