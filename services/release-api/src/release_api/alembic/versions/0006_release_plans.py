"""releases.plan (the resolved waves and how far the release got), rollouts.wave, and when
each rollout started and ended

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "releases", sa.Column("plan", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column(
        "rollouts", sa.Column("wave", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    for column in ("started_at", "finished_at"):
        op.add_column("rollouts", sa.Column(column, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("rollouts", "finished_at")
    op.drop_column("rollouts", "started_at")
    op.drop_column("rollouts", "wave")
    op.drop_column("releases", "plan")
