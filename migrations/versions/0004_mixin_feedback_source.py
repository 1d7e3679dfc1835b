"""user feedback is its own source: never counted into measured outcomes

Adds `source`, `conflicts_with_measured` and `remeasured` to mixin_feedback, and takes the counts
feedback had added to mixin_outcomes back out of them (rows made only by feedback go; the reports
themselves stay in mixin_feedback, where the predictor now reads them as weighted user evidence).
The downgrade drops the columns and leaves mixin_outcomes measured-only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUPED = sa.text(
    "SELECT mixin_key, node_kind, class_order, framework_version, "
    "SUM(CASE WHEN success THEN 1 ELSE 0 END), SUM(CASE WHEN success THEN 0 ELSE 1 END) "
    "FROM mixin_feedback GROUP BY mixin_key, node_kind, class_order, framework_version"
)
_SUBTRACT = sa.text(
    "UPDATE mixin_outcomes SET success_count = success_count - :s, "
    "failure_count = failure_count - :f WHERE mixin_key = :k AND node_kind = :n "
    "AND class_order = :o AND framework_version = :v AND source IN ('feedback', 'mixed')"
)


def upgrade() -> None:
    with op.batch_alter_table("mixin_feedback") as batch:
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="user"))
        batch.add_column(
            sa.Column(
                "conflicts_with_measured",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("remeasured", sa.String(16), nullable=True))
    bind = op.get_bind()
    for key, kind, order, version, s, f in bind.execute(_GROUPED).all():
        params = {"s": int(s), "f": int(f), "k": key, "n": kind, "o": order, "v": version}
        bind.execute(_SUBTRACT, params)
    bind.execute(
        sa.text(
            "DELETE FROM mixin_outcomes WHERE source = 'feedback' "
            "OR success_count + failure_count <= 0"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE mixin_outcomes SET success_count = MAX(success_count, 0), "
            "failure_count = MAX(failure_count, 0) WHERE success_count < 0 OR failure_count < 0"
        )
        if bind.dialect.name == "sqlite"
        else sa.text(
            "UPDATE mixin_outcomes SET success_count = GREATEST(success_count, 0), "
            "failure_count = GREATEST(failure_count, 0) "
            "WHERE success_count < 0 OR failure_count < 0"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("mixin_feedback") as batch:
        batch.drop_column("remeasured")
        batch.drop_column("conflicts_with_measured")
        batch.drop_column("source")
