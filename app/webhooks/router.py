"""Webhook deliveries for operators (scope `admin`): list them by status, replay parked ones."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth.guard import auth_errors, requires
from app.db import SessionDep
from app.errors import error_responses
from app.webhooks import service
from app.webhooks.schemas import Delivery, DeliveryPage, DeliveryStatus

router = APIRouter(tags=["webhooks"])
ADMIN = [requires("admin")]


@router.get(
    "/webhooks/deliveries",
    dependencies=ADMIN,
    responses=error_responses(422, *auth_errors("admin")),
)
async def deliveries(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    after: Annotated[str | None, Query(max_length=36, description="a delivery id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeliveryPage:
    """Callback deliveries in creation order, after the delivery id `after`; `status`:
    pending (not yet delivered, retrying with backoff), delivered, or parked (failed
    `webhooks.max_attempts` times: no longer retried, never dropped)."""
    return await service.page(session, status, after, limit)


@router.post(
    "/webhooks/deliveries/{delivery_id}/replay",
    dependencies=ADMIN,
    responses=error_responses(404, 409, 422, *auth_errors("admin")),
)
async def replay(session: SessionDep, delivery_id: Annotated[str, Path(max_length=36)]) -> Delivery:
    """Queue a parked delivery again, due now, with a fresh attempt budget (409 when it is
    not parked)."""
    return await service.replay(session, delivery_id)
