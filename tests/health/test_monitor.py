"""Health checks: cached for `cache_s` (concurrent probes share one run), run in the
background, published as codegen_health_status; the sandbox pool's gauges."""

import asyncio

from httpx import AsyncClient
from prometheus_client import REGISTRY

from app.health.checks import ComponentHealth, Status
from app.health.monitor import CachedCheck, HealthMonitor, cached


class Counting:
    def __init__(self, status: Status = "ok", delay_s: float = 0.0) -> None:
        self.status, self.delay_s, self.runs = status, delay_s, 0
        self.three_runs = asyncio.Event()

    async def __call__(self) -> ComponentHealth:
        self.runs += 1
        if self.runs >= 3:
            self.three_runs.set()
        await asyncio.sleep(self.delay_s)
        return ComponentHealth(self.status, 1.0, "counted")


def gauge(component: str) -> float | None:
    return REGISTRY.get_sample_value("codegen_health_status", {"component": component})


async def test_a_probe_storm_runs_a_check_once_per_ttl() -> None:
    check = Counting(delay_s=0.05)
    cached_check = CachedCheck("storm", check, ttl_s=60)
    answers = await asyncio.gather(*(cached_check() for _ in range(50)))
    assert check.runs == 1 and {a.detail for a in answers} == {"counted"}
    await cached_check()
    assert check.runs == 1


async def test_after_the_ttl_the_check_runs_again_and_the_gauge_follows() -> None:
    check = Counting()
    cached_check = CachedCheck("flip", check, ttl_s=0.0)
    await cached_check()
    assert gauge("flip") == 1.0
    check.status = "degraded"
    await cached_check()
    assert check.runs == 2 and gauge("flip") == 0.5
    check.status = "down"
    await cached_check()
    assert gauge("flip") == 0.0


async def test_the_monitor_refreshes_without_any_probe() -> None:
    check = Counting()
    monitor = HealthMonitor(cached({"background": check}, 0.0), interval_s=0.01)
    monitor.start()
    try:
        async with asyncio.timeout(5):
            await check.three_runs.wait()
    finally:
        await monitor.close()
    assert gauge("background") == 1.0


async def test_metrics_show_health_and_the_sandbox_pool(client: AsyncClient) -> None:
    assert (await client.get("/health")).status_code in (200, 503)
    text = (await client.get("/metrics")).text
    assert 'codegen_health_status{component="database"} 1.0' in text
    size = REGISTRY.get_sample_value("codegen_sandbox_pool_size")
    assert size is not None and size >= 1
    busy = REGISTRY.get_sample_value("codegen_sandbox_pool_busy")
    assert busy is not None and 0 <= busy <= size
    assert REGISTRY.get_sample_value("codegen_sandbox_pool_queued") == 0
