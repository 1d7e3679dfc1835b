"""Enqueueing a callback in the caller's transaction, and what the routes do.

    webhooks: Webhooks = request.state.webhooks      # built in the lifespan
    webhooks.check_url(body.callback_url)            # CallbackUrlRefused (422) before any work
    async with sessionmaker() as session, session.begin():
        session.add(generation)
        event_id = await outbox.record(session, "generation.completed", ...)
        await webhooks.enqueue(session, url, "generation.completed", event_id, payload)

The delivery commits (or rolls back) with the change it reports; the sender (runtime.py)
POSTs it after the commit.
"""

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from app.config import WebhooksSettings
from app.webhooks import policy, repo
from app.webhooks.errors import DeliveryNotFound, DeliveryNotParked
from app.webhooks.models import WebhookDelivery
from app.webhooks.schemas import Delivery, DeliveryPage


class Webhooks:
    """The enqueue side, bound to the service's `webhooks` settings."""

    def __init__(self, settings: WebhooksSettings) -> None:
        self.settings = settings

    def check_url(self, url: str) -> None:
        """Raise CallbackUrlRefused (422 `callback_url_refused`, with the reason) unless the
        policy allows `url` (scheme, allow-list, literal addresses; DNS is checked per attempt)."""
        policy.check_url(url, self.settings)

    async def enqueue(
        self,
        session: AsyncSession,
        url: str,
        event_type: str,
        event_id: str,
        payload: dict[str, Any],
    ) -> str:
        """Add a delivery of the event to `url` to the caller's session; returns its id. The
        body sent (and signed) is `{"id", "type", "occurred_at", "payload"}` as compact JSON."""
        self.check_url(url)
        at = repo.now()
        body = {
            "id": event_id,
            "type": event_type,
            "occurred_at": at.isoformat(),
            "payload": payload,
        }
        row = WebhookDelivery(
            id=str(uuid7()),
            event_id=event_id,
            event_type=event_type,
            url=url,
            body=json.dumps(body, separators=(",", ":"), default=str),
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
        session.add(row)
        return row.id


def _delivery(row: WebhookDelivery) -> Delivery:
    fields = {name: getattr(row, name) for name in Delivery.model_fields if name != "status"}
    return Delivery(status=repo.status_of(row), **fields)


async def page(
    session: AsyncSession, status: repo.Status | None, after: str | None, limit: int
) -> DeliveryPage:
    rows = await repo.page(session, status, after, limit)
    return DeliveryPage(
        items=[_delivery(r) for r in rows], next_after=rows[-1].id if rows else after
    )


async def replay(session: AsyncSession, delivery_id: str) -> Delivery:
    row = await repo.locked(session, delivery_id)
    if row is None:
        raise DeliveryNotFound(delivery_id)
    if (status := repo.status_of(row)) != "parked":
        raise DeliveryNotParked(delivery_id, status)
    repo.requeue(row)
    return _delivery(row)
