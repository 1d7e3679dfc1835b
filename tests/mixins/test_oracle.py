"""The oracle runs real compositions in forked children of a warm sandbox parent."""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from httpx import AsyncClient

from app.config import Settings
from app.db import create_engine, create_sessionmaker
from app.mixins.catalog import Catalog, composition_key
from app.mixins.predictor import Counts
from app.mixins.service import MixinService
from app.probes.oracle import Oracle, start_pool
from app.sandbox.pool import SandboxPool


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[SandboxPool]:
    pool = await start_pool(workers=1)
    yield pool
    await pool.close()


def _refs(catalog: Catalog) -> dict[str, str]:
    return {name: p.ref for name, p in catalog.mixins.items()}


# Outcomes verified by hand and by the full sweep on omnibase-core 0.47.57.
KNOWN = [
    ("effect", "node_first", ("MixinCaching", "MixinMetrics"), "ok", None),
    ("effect", "mixins_first", ("MixinHealthCheck",), "instantiate", "takes 1 positional"),
    (
        "orchestrator",
        "node_first",
        ("MixinHandlerRouting", "MixinWorkflowExecution"),
        "class",
        "MRO",
    ),
    ("compute", "node_first", ("MixinNodeIntrospection",), "instantiate", "abstract"),
    ("reducer", "node_first", ("MixinNodeSetup",), "instantiate", "no setter"),
]


async def test_known_outcomes(catalog: Catalog, pool: SandboxPool) -> None:
    oracle = Oracle(_refs(catalog), pool, timeout_s=5.0)
    results = await oracle.measure([(k, o, m) for k, o, m, _, _ in KNOWN])
    for (kind, order, mixins, stage, error), got in zip(KNOWN, results, strict=True):
        assert got.stage == stage, (kind, order, mixins, got)
        if error:
            assert got.error and error in got.error
        else:
            assert got.error is None


async def test_chain_cut_passes_but_leaves_a_mixin_uninitialised(
    catalog: Catalog, pool: SandboxPool
) -> None:
    oracle = Oracle(_refs(catalog), pool)
    [got] = await oracle.measure([("effect", "node_first", ("MixinDiscovery", "MixinLazyValue"))])
    assert got.ok
    assert "MixinLazyValue" in got.uninitialised  # its __init__ never ran: the chain was cut


async def test_runtime_confirm_and_recommend_for_generation(
    settings: Settings, migrated: str, client: AsyncClient
) -> None:
    engine = create_engine(settings.database)
    runtime = await MixinService.create(settings, create_sessionmaker(engine))
    try:
        assert await runtime.confirm("EFFECT", ["MixinMetrics", "MixinCaching"])
        assert not await runtime.confirm("effect", ["MixinHealthCheck"], "mixins_first")
        # the confirmations were recorded as measurements
        response = await client.get("/mixins/compatibility")
        assert response.status_code == 200
        assert sum(r["combinations"] for r in response.json()["rows"]) >= 2
        chosen = await runtime.recommend_for_node("EFFECT", ["caching", "metrics", "health"])
        assert {"MixinCaching", "MixinMetrics", "MixinHealthCheck"} <= set(chosen)
        assert await runtime.confirm("effect", chosen)
    finally:
        await runtime.close()
        await engine.dispose()


async def test_node_mixins_are_remembered_until_the_evidence_changes(
    settings: Settings, migrated: str
) -> None:
    engine = create_engine(settings.database)
    runtime = await MixinService.create(settings, create_sessionmaker(engine))
    calls = 0
    recommend = runtime.advisor.recommend

    async def counting(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return await recommend(*args, **kwargs)

    try:
        first = await runtime.recommend_for_node("EFFECT", ["caching", "metrics"])
        assert {"MixinCaching", "MixinMetrics"} <= set(first)
        runtime.advisor.recommend = counting  # type: ignore[method-assign]
        assert await runtime.recommend_for_node("effect", ["Caching", "metrics"]) == first
        assert calls == 0
        # new evidence (as feedback would bring): the chosen composition fails
        failing = Counts(0, 3, "instantiate", "reported by feedback")
        runtime.predictor.observe(composition_key("effect", first, "node_first"), failing)
        again = await runtime.recommend_for_node("EFFECT", ["caching", "metrics"])
        assert calls > 0
        assert again != first
        assert not again or await runtime.confirm("effect", again)
    finally:
        await runtime.close()
        await engine.dispose()
