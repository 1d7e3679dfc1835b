"""feedback: pattern verdicts, generation ratings, idempotency records, pattern thresholds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _generation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["generation_id"], ["generations.id"], name=op.f(f"fk_{table}_generation_id_generations")
    )


def upgrade() -> None:
    op.create_table(
        "pattern_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("generation_id", sa.String(32), nullable=False),
        sa.Column("detection_id", sa.String(200), nullable=True),
        sa.Column("pattern", sa.String(64), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("actual_pattern", sa.String(64), nullable=True),
        sa.Column("requirement_ids", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("emitted", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_feedback")),
        _generation_fk("pattern_feedback"),
    )
    for column in ("generation_id", "pattern", "created_at"):
        op.create_index(op.f(f"ix_pattern_feedback_{column}"), "pattern_feedback", [column])
    op.create_table(
        "generation_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("generation_id", sa.String(32), nullable=False),
        sa.Column("ran", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_feedback")),
        _generation_fk("generation_feedback"),
    )
    op.create_index(
        op.f("ix_generation_feedback_generation_id"), "generation_feedback", ["generation_id"]
    )
    op.create_table(
        "idempotency_records",
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_records")),
    )
    op.create_table(
        "pattern_thresholds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pattern", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pattern_thresholds")),
        sa.UniqueConstraint("pattern", "version", name=op.f("uq_pattern_thresholds_pattern")),
    )
    op.create_index(op.f("ix_pattern_thresholds_pattern"), "pattern_thresholds", ["pattern"])
    op.create_index(op.f("ix_pattern_thresholds_active"), "pattern_thresholds", ["active"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pattern_thresholds_active"), table_name="pattern_thresholds")
    op.drop_index(op.f("ix_pattern_thresholds_pattern"), table_name="pattern_thresholds")
    op.drop_table("pattern_thresholds")
    op.drop_table("idempotency_records")
    op.drop_index(op.f("ix_generation_feedback_generation_id"), table_name="generation_feedback")
    op.drop_table("generation_feedback")
    for column in ("created_at", "pattern", "generation_id"):
        op.drop_index(op.f(f"ix_pattern_feedback_{column}"), table_name="pattern_feedback")
    op.drop_table("pattern_feedback")
