from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

DeliveryStatus = Literal["pending", "delivered", "parked"]


class Delivery(BaseModel):
    id: str = Field(description="UUIDv7: ordered by creation")
    event_id: str = Field(description="the event's id, sent as X-Webhook-Id")
    event_type: str
    url: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime = Field(description="when a pending delivery is next attempted")
    delivered_at: datetime | None
    last_status: int | None = Field(description="the receiver's last HTTP status, if it answered")
    last_error: str | None
    parked_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    """Deliveries in creation order; pass `next_after` as `after` for the next page."""

    items: list[Delivery]
    next_after: str | None
