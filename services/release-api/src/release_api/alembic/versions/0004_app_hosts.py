"""app_hosts: each hostname an app declares belongs to one app and environment

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_hosts",
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("app", sa.String(length=63), nullable=False),
        sa.Column("env", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(["app"], ["apps.name"], name=op.f("fk_app_hosts_app_apps")),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_app_hosts")),
    )
    op.create_index(op.f("ix_app_hosts_app"), "app_hosts", ["app"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_app_hosts_app"), table_name="app_hosts")
    op.drop_table("app_hosts")
