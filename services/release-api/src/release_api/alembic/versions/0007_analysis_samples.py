"""analysis_samples: every sample of a release's analysis (a wave's, or a gray step's in one
cluster), its values and verdicts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analysis_samples",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("release_id", sa.UUID(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("canary", sa.String(length=63), nullable=False),
        sa.Column("check", sa.String(length=63), nullable=False),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("verdicts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("wave_value", sa.Float(), nullable=True),
        sa.Column("wave_verdict", sa.String(length=16), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "release_id", "wave", "canary", "check", "sample", name="uq_analysis_samples"
        ),
    )
    op.create_index(
        op.f("ix_analysis_samples_release_id"), "analysis_samples", ["release_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_analysis_samples_release_id"), table_name="analysis_samples")
    op.drop_table("analysis_samples")
