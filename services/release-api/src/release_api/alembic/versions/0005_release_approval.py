"""releases.approval, and a release waiting for approval counts as the active one

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "phase IN ('pending', 'running', 'paused')"
_AFTER = "phase IN ('pending', 'waiting-approval', 'running', 'paused')"


def _active_index(where: str) -> None:
    op.drop_index("uq_releases_active", table_name="releases")
    op.create_index(
        "uq_releases_active",
        "releases",
        ["app", "env"],
        unique=True,
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    op.add_column(
        "releases", sa.Column("approval", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    _active_index(_AFTER)


def downgrade() -> None:
    _active_index(_BEFORE)
    op.drop_column("releases", "approval")
