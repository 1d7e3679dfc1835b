"""Component checks cached briefly and run in the background, published as a gauge.

A probe storm costs one run of each check per `cache_s` (concurrent callers share the run in
flight), and `codegen_health_status{component}` (1 ok, 0.5 degraded, 0 down) stays current
between probes because the checks also run every `refresh_s`: the alert rules read it.
"""

import asyncio
import contextlib
import logging
import time

from prometheus_client import Gauge

from app.health.checks import ComponentCheck, ComponentHealth

log = logging.getLogger(__name__)
STATUS = Gauge(
    "codegen_health_status",
    "Component health from the /health checks: 1 ok, 0.5 degraded, 0 down",
    ["component"],
)
_VALUE = {"ok": 1.0, "degraded": 0.5, "down": 0.0}


class CachedCheck:
    def __init__(self, name: str, check: ComponentCheck, ttl_s: float) -> None:
        self.name, self.check, self.ttl_s = name, check, ttl_s
        self._last: ComponentHealth | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> ComponentHealth | None:
        if self._last is not None and time.monotonic() - self._at < self.ttl_s:
            return self._last
        return None

    async def __call__(self) -> ComponentHealth:
        if (fresh := self._fresh()) is not None:
            return fresh
        async with self._lock:  # the first caller runs it; the others get its answer
            if (fresh := self._fresh()) is not None:
                return fresh
            result = await self.check()
            self._last, self._at = result, time.monotonic()
            STATUS.labels(self.name).set(_VALUE[result.status])
            return result


def cached(checks: dict[str, ComponentCheck], ttl_s: float) -> dict[str, ComponentCheck]:
    return {name: CachedCheck(name, check, ttl_s) for name, check in checks.items()}


class HealthMonitor:
    """Runs every check each `interval_s` (the gauge's source when nobody probes)."""

    def __init__(self, checks: dict[str, ComponentCheck], interval_s: float) -> None:
        self.checks, self.interval_s = checks, interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="health-monitor")

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.gather(*(check() for check in self.checks.values()))
            except Exception:  # a check that raises is a bug; keep the gauge loop alive
                log.exception("health monitor: a check raised")
            await asyncio.sleep(self.interval_s)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
