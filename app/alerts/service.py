"""Alert use cases: take a notification from Alertmanager, list the stored alerts."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import repo
from app.alerts.errors import UnsupportedVersion
from app.alerts.schemas import AlertmanagerWebhook, AlertOut, AlertPage, State, WebhookReceipt


async def receive(session: AsyncSession, payload: AlertmanagerWebhook) -> WebhookReceipt:
    """Store every alert of the notification by fingerprint (firing ones open or refresh a row,
    resolved ones mark it resolved), in the request's transaction."""
    if payload.version != "4":
        raise UnsupportedVersion(payload.version)
    now = datetime.now(UTC)
    # one statement per fingerprint, in a fixed order: concurrent notifications cannot deadlock
    latest = {alert.fingerprint: alert for alert in payload.alerts}
    for fingerprint in sorted(latest):
        await repo.upsert(session, latest[fingerprint], now)
    statuses = [alert.status for alert in latest.values()]
    return WebhookReceipt(firing=statuses.count("firing"), resolved=statuses.count("resolved"))


async def page(session: AsyncSession, state: State, limit: int, offset: int) -> AlertPage:
    rows, total = await repo.page(session, state, limit, offset)
    items = [AlertOut.model_validate(row, from_attributes=True) for row in rows]
    return AlertPage(items=items, total=total, limit=limit, offset=offset)
