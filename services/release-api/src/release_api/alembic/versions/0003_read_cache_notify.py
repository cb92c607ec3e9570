"""NOTIFY on every change of apps, releases and rollouts (the read cache's invalidation)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "flotilla_release_api_reads"
TABLES = ("apps", "releases", "rollouts")


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION flotilla_reads_changed() RETURNS trigger AS $$
        DECLARE tag text;
        BEGIN
            IF TG_TABLE_NAME = 'apps' THEN
                tag := NEW.name;
            ELSIF TG_TABLE_NAME = 'releases' THEN
                tag := NEW.app;
            ELSE
                SELECT app INTO tag FROM releases WHERE id = NEW.release_id;
            END IF;
            PERFORM pg_notify('{CHANNEL}', tag);
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_reads_changed AFTER INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION flotilla_reads_changed()"
        )


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_reads_changed ON {table}")
    op.execute("DROP FUNCTION flotilla_reads_changed()")
