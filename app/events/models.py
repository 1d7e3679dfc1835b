"""The outbox table: one row per domain event, written in the transaction of the change."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime

_PENDING = text("published_at IS NULL AND parked_at IS NULL")
_PUBLISHED = text("published_at IS NOT NULL")
_PARKED = text("parked_at IS NOT NULL")


class OutboxEvent(Base):
    """`id` is a UUIDv7 string: ordered by creation time (the dispatch and log order).
    Pending = not published and not parked; `next_attempt_at` holds a failed event back."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # "unpublished in order": the dispatcher's claim scans this partial index only
        Index("ix_outbox_events_pending", "id", sqlite_where=_PENDING, postgresql_where=_PENDING),
        # "is an older event of this aggregate still pending?"
        Index("ix_outbox_events_aggregate", "aggregate_id", "id"),
        # partial as well, so that no planner takes them for "IS NULL" (retention, the parked list)
        Index("ix_outbox_events_published_at", "published_at",
              sqlite_where=_PUBLISHED, postgresql_where=_PUBLISHED),
        Index("ix_outbox_events_parked_at", "parked_at",
              sqlite_where=_PARKED, postgresql_where=_PARKED),
    )  # fmt: skip

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    correlation_id: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    parked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
