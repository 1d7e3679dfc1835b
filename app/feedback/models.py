"""Every table of the feedback capability: verdicts on detections, ratings of generations,
idempotency records of both POSTs, and the tuned per-pattern thresholds (versioned)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UtcDateTime


def _now() -> datetime:
    return datetime.now(UTC)


class PatternFeedback(Base):
    """A verdict on one detected (or missed) pattern of a generation, from a user or automated.
    `confidence`/`emitted` are copied from the detection at submission: what tuning learns from."""

    __tablename__ = "pattern_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    generation_id: Mapped[str] = mapped_column(String(32), ForeignKey("generations.id"), index=True)
    detection_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pattern: Mapped[str] = mapped_column(String(64), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    actual_pattern: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requirement_ids: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(16))
    weight: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    emitted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=_now, index=True)


class GenerationFeedback(Base):
    """A user's rating of a whole generation: did it run, how good, was it useful."""

    __tablename__ = "generation_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    generation_id: Mapped[str] = mapped_column(String(32), ForeignKey("generations.id"), index=True)
    ran: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int] = mapped_column(Integer)
    useful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=_now)


class IdempotencyRecord(Base):
    """The answer given to the first request with (scope, Idempotency-Key): replayed to retries.
    `scope` is the route and the caller, so two clients' keys never collide."""

    __tablename__ = "idempotency_records"

    scope: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=_now)


class PatternThreshold(Base):
    """One version of a pattern's emission threshold; exactly one version per pattern is active.
    `previous_id` is the version it replaced (rollback), `figures` what justified it."""

    __tablename__ = "pattern_thresholds"
    __table_args__ = (UniqueConstraint("pattern", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pattern: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    previous_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=_now)
