from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

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


@router.get("/ready", responses={503: {"model": ReadyRead}})
async def ready(checks: ChecksDep) -> JSONResponse:
    """Readiness: 200 only when the database answers and its schema is at the migration head."""
    results = await service.run_checks({"database": checks["database"]})
    database = results["database"]
    body = ReadyRead(status=database.status, detail=database.detail)
    return JSONResponse(body.model_dump(), status_code=200 if database.status == "ok" else 503)


@router.get("")
async def health(checks: ChecksDep) -> JSONResponse:
    """Every component with its status, latency and detail; 503 when the service is down."""
    body: HealthRead = await service.report(checks, SERVICE_VERSION)
    return JSONResponse(body.model_dump(), status_code=503 if body.status == "down" else 200)
