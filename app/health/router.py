from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.errors import error_responses
from app.health import service
from app.health.checks import ComponentCheck
from app.health.schemas import HealthRead, ReadyRead
from app.version import SERVICE_VERSION

router = APIRouter(prefix="/health", tags=["health"])


def get_checks(request: Request) -> dict[str, ComponentCheck]:
    checks: dict[str, ComponentCheck] = request.state.health_checks
    return checks


ChecksDep = Annotated[dict[str, ComponentCheck], Depends(get_checks)]


@router.get("/live")
async def live() -> ReadyRead:
    """Liveness: the process answers. No I/O."""
    return ReadyRead(status="ok", detail="alive")


@router.get(
    "/ready",
    responses=error_responses(
        503,
        descriptions={
            503: "`not_ready`: database unreachable or schema not at head; adds `status`"
        },
    ),
)
async def ready(checks: ChecksDep) -> ReadyRead:
    """Readiness: 200 only when the database answers and its schema is at the migration head."""
    return await service.ready(checks)


@router.get(
    "",
    responses=error_responses(
        503,
        descriptions={503: "`service_down`: adds the report (`status`, `version`, `components`)"},
    ),
)
async def health(checks: ChecksDep) -> HealthRead:
    """Every component with its status, latency and detail; 503 when the service is down."""
    return await service.report(checks, SERVICE_VERSION)
