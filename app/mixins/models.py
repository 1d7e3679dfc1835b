"""ORM tables: measured composition outcomes and observed feedback."""

from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


def _now() -> datetime:
    return datetime.now(UTC)


class MixinOutcome(Base):
    """Measured counts per (canonical mixin key, node kind, class order): the oracle, the
    sweep's baseline. User reports never land here (see MixinFeedback)."""

    __tablename__ = "mixin_outcomes"
    __table_args__ = (
        UniqueConstraint("mixin_key", "node_kind", "class_order", "framework_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mixin_key: Mapped[str] = mapped_column(String(1024), index=True)
    n_mixins: Mapped[int] = mapped_column(Integer)
    node_kind: Mapped[str] = mapped_column(String(16))
    class_order: Mapped[str] = mapped_column(String(16))
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="oracle")
    framework_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )


class MixinFeedback(Base):
    """An outcome reported by a user (`POST /mixins/feedback`): evidence of its own, weighted,
    never counted into MixinOutcome (which holds measurements only)."""

    __tablename__ = "mixin_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mixin_key: Mapped[str] = mapped_column(String(1024), index=True)
    node_kind: Mapped[str] = mapped_column(String(16))
    class_order: Mapped[str] = mapped_column(String(16))
    success: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    generation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    framework_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    source: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    # the report contradicted a measured outcome: the oracle re-measured it (`remeasured`:
    # compatible | incompatible | None when the oracle could not run)
    conflicts_with_measured: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    remeasured: Mapped[str | None] = mapped_column(String(16), nullable=True)
