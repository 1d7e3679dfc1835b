"""A small sweep through the oracle agrees with the single rule (all kinds, both orders)."""

from collections.abc import AsyncIterator

import pytest

from app.mixins.catalog import KINDS, ORDERS, Catalog
from app.probes.oracle import Oracle, start_pool
from app.sandbox.pool import SandboxPool
from lab.mixins.sweep import all_queries


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[SandboxPool]:
    pool = await start_pool(workers=1)
    yield pool
    await pool.close()


async def test_small_sweep_matches_the_single_rule(catalog: Catalog, pool: SandboxPool) -> None:
    names = ["MixinCaching", "MixinHealthCheck", "MixinMetrics"]
    queries = all_queries(names, list(KINDS), list(ORDERS))
    assert len(queries) == 6 * 8
    oracle = Oracle({n: p.ref for n, p in catalog.mixins.items()}, pool, chunk=24)
    results = await oracle.measure(queries)
    by = {(m.kind, m.order, m.mixins): m.ok for m in results}
    for (kind, order, mixins), ok in by.items():
        singles_ok = all(by[(kind, order, (m,))] for m in mixins)
        assert ok == singles_ok
    assert by[("effect", "node_first", ("MixinHealthCheck",))]
    assert not by[("effect", "mixins_first", ("MixinHealthCheck",))]
    assert oracle.cache  # cached by canonical key
    again = await oracle.measure(queries[:3])
    assert [r.query for r in again] == [r.query for r in results[:3]]
