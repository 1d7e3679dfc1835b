"""The alerts table: one row per alert (Alertmanager's fingerprint of its label set)."""

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime


class Alert(Base):
    """The latest notification about one alert. `status` is `firing` or `resolved`; `ends_at`
    is set once resolved; `notifications` counts the webhook calls that carried it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_starts_at", "status", "starts_at"),)

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    alertname: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str | None] = mapped_column(String(32), nullable=True)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    generator_url: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notifications: Mapped[int] = mapped_column(Integer)
