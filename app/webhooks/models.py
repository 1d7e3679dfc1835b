"""webhook_deliveries: one row per (event, callback URL), added in the transaction of the change
the event reports. `body` holds the exact bytes that are signed and sent."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime

PENDING_SQL = text("delivered_at IS NULL AND parked_at IS NULL")


class WebhookDelivery(Base):
    """`id` is a UUIDv7 string (ordered by creation). Pending = neither delivered nor parked;
    `next_attempt_at` is when it is due (a sender's lease while an attempt runs)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # "due": the sender's claim scans pending rows by due time only
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            sqlite_where=PENDING_SQL,
            postgresql_where=PENDING_SQL,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    parked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
