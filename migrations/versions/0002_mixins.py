"""mixin composition outcomes and feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mixin_outcomes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mixin_key", sa.String(1024), nullable=False),
        sa.Column("n_mixins", sa.Integer(), nullable=False),
        sa.Column("node_kind", sa.String(16), nullable=False),
        sa.Column("class_order", sa.String(16), nullable=False),
        sa.Column("success_count", sa.Integer(), nullable=False),
        sa.Column("failure_count", sa.Integer(), nullable=False),
        sa.Column("last_stage", sa.String(16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("framework_version", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mixin_outcomes")),
        sa.UniqueConstraint(
            "mixin_key",
            "node_kind",
            "class_order",
            "framework_version",
            name=op.f("uq_mixin_outcomes_mixin_key"),
        ),
    )
    op.create_index(op.f("ix_mixin_outcomes_mixin_key"), "mixin_outcomes", ["mixin_key"])
    op.create_table(
        "mixin_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mixin_key", sa.String(1024), nullable=False),
        sa.Column("node_kind", sa.String(16), nullable=False),
        sa.Column("class_order", sa.String(16), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("generation_id", sa.String(64), nullable=True),
        sa.Column("framework_version", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mixin_feedback")),
    )
    op.create_index(op.f("ix_mixin_feedback_mixin_key"), "mixin_feedback", ["mixin_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_mixin_feedback_mixin_key"), table_name="mixin_feedback")
    op.drop_table("mixin_feedback")
    op.drop_index(op.f("ix_mixin_outcomes_mixin_key"), table_name="mixin_outcomes")
    op.drop_table("mixin_outcomes")
