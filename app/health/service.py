"""Runs every registered component check concurrently."""

import asyncio
from dataclasses import asdict

from app.health.checks import ComponentCheck, ComponentHealth, overall
from app.health.schemas import ComponentRead, HealthRead


async def run_checks(checks: dict[str, ComponentCheck]) -> dict[str, ComponentHealth]:
    results = await asyncio.gather(*(check() for check in checks.values()))
    return dict(zip(checks, results, strict=True))


async def report(checks: dict[str, ComponentCheck], version: str) -> HealthRead:
    results = await run_checks(checks)
    return HealthRead(
        status=overall(results),
        version=version,
        components={name: ComponentRead(**asdict(result)) for name, result in results.items()},
    )
