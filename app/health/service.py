"""Runs every registered component check concurrently; not ready / down is a 503 error."""

import asyncio
from dataclasses import asdict

from app.errors import ServiceUnavailable
from app.health.checks import ComponentCheck, ComponentHealth, overall
from app.health.schemas import ComponentRead, HealthRead, ReadyRead


class NotReady(ServiceUnavailable):
    """503 from /health/ready: the error shape, plus the readiness `status`."""

    code = "not_ready"

    def __init__(self, ready: ReadyRead) -> None:
        super().__init__(ready.detail, status=ready.status)


class ServiceDown(ServiceUnavailable):
    """503 from /health: the error shape, plus the whole report (`status`, `version`,
    `components`) so a probe reads the same fields as on a 200."""

    code = "service_down"

    def __init__(self, report: HealthRead) -> None:
        down = [f"{n}: {c.detail}" for n, c in report.components.items() if c.status == "down"]
        super().__init__("down: " + "; ".join(down), **report.model_dump(mode="json"))


async def run_checks(checks: dict[str, ComponentCheck]) -> dict[str, ComponentHealth]:
    results = await asyncio.gather(*(check() for check in checks.values()))
    return dict(zip(checks, results, strict=True))


async def ready(checks: dict[str, ComponentCheck]) -> ReadyRead:
    """Ready when the database answers at the schema head; raises NotReady otherwise."""
    database = (await run_checks({"database": checks["database"]}))["database"]
    body = ReadyRead(status=database.status, detail=database.detail)
    if database.status != "ok":
        raise NotReady(body)
    return body


async def report(checks: dict[str, ComponentCheck], version: str) -> HealthRead:
    """Every component; raises ServiceDown when the service is down (degraded is a 200)."""
    results = await run_checks(checks)
    body = HealthRead(
        status=overall(results),
        version=version,
        components={name: ComponentRead(**asdict(result)) for name, result in results.items()},
    )
    if body.status == "down":
        raise ServiceDown(body)
    return body
