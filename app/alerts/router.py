"""HTTP routes: Alertmanager's webhook receiver and the stored alerts.

The receiver needs the `admin` scope in keys mode (Alertmanager sends the key as
`Authorization: Bearer`, deploy/alertmanager.yml); reading alerts needs `feedback` (or admin).
"""

from typing import Annotated

from fastapi import APIRouter, Query

from app.alerts import service
from app.alerts.schemas import AlertmanagerWebhook, AlertPage, State, WebhookReceipt
from app.auth.guard import auth_errors, requires
from app.db import SessionDep
from app.errors import error_responses

router = APIRouter(tags=["alerts"])


@router.post(
    "/alerts/webhook",
    dependencies=[requires("admin")],
    responses=error_responses(
        422,
        *auth_errors("admin"),
        descriptions={422: "`validation_error` or `unsupported_webhook_version` (not '4')"},
    ),
)
async def webhook(session: SessionDep, body: AlertmanagerWebhook) -> WebhookReceipt:
    """Alertmanager's webhook receiver (payload version 4): each alert is stored or updated by
    its fingerprint; a resolved one is marked resolved. Answers how many of each it stored."""
    return await service.receive(session, body)


@router.get(
    "/alerts",
    dependencies=[requires("feedback")],
    responses=error_responses(422, *auth_errors("feedback")),
)
async def alerts(
    session: SessionDep,
    state: State = "firing",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> AlertPage:
    """Alerts Alertmanager sent here, newest first: `firing` (default), `resolved` or `all`."""
    return await service.page(session, state, limit, offset)
