"""Generation's domain metrics on /metrics move exactly with the generations stored."""

from collections import Counter
from pathlib import Path

from httpx import AsyncClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app.generation import metrics
from app.generation.models import Generation

ORDER_PRD = (Path(__file__).parent / "fixtures" / "order_service.md").read_text()


async def _samples(client: AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (await client.get("/metrics")).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _delta(before: dict, after: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_a_verified_generation_moves_every_domain_series(client: AsyncClient) -> None:
    before = await _samples(client)
    response = await client.post("/generate", json={"prd": ORDER_PRD})
    assert response.status_code == 201
    after = await _samples(client)
    assert _delta(before, after, "codegen_generations_total", outcome="succeeded") == 1
    kinds = Counter(node["kind"] for node in response.json()["nodes"])
    for kind, count in kinds.items():
        assert _delta(before, after, "codegen_nodes_generated_total", kind=kind) == count
    for phase in ("analyse", "mixins", "render", "verify", "archive", "persist"):
        assert _delta(before, after, "codegen_generation_phase_seconds_count", phase=phase) == 1
    assert _delta(before, after, "codegen_generation_parallel_speedup_count") == 1
    assert _delta(before, after, "codegen_verification_failures_total", check="tests") == 0


async def test_an_unverified_generation_counts_as_such_without_a_speedup(
    client: AsyncClient,
) -> None:
    before = await _samples(client)
    response = await client.post("/generate", json={"prd": ORDER_PRD, "verify": False})
    assert response.status_code == 201
    after = await _samples(client)
    assert _delta(before, after, "codegen_generations_total", outcome="unverified") == 1
    assert _delta(before, after, "codegen_generation_parallel_speedup_count") == 0
    assert _delta(before, after, "codegen_generation_phase_seconds_count", phase="verify") == 0


def test_failed_checks_are_counted_by_check_and_unknown_names_fold_into_other() -> None:
    def value(check: str) -> float:
        name = "codegen_verification_failures_total"
        return REGISTRY.get_sample_value(name, {"check": check}) or 0.0

    report = {
        "ok": False,
        "duration_ms": 40.0,
        "checks": [
            {"name": "contract", "ok": True},
            {"name": "tests", "ok": False},
            {"name": "made-up check", "ok": False},
        ],
    }
    generation = Generation(
        status="failed",
        timings_ms={"verify": 20.0},
        result={"nodes": [{"kind": "COMPUTE", "verification": report}]},
    )
    tests_before, other_before = value("tests"), value("other")
    metrics.observe(generation, persist_ms=1.0)
    assert value("tests") - tests_before == 1
    assert value("other") - other_before == 1
    assert value("contract") == 0
