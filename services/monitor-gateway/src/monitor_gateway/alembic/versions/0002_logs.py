"""logs: a table partitioned by day, stored Kafka offsets, dead letters

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:30:00

One btree index, (app, ts DESC): every query names an app and reads newest first within a
time range; text filters (full-text and substring) run on that app's rows in the window. GIN
indexes on the message (pg_trgm, tsvector) would serve substring/full-text over long windows,
but cost several times the ingest rate: see the README.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE logs (
            ts timestamptz NOT NULL,
            app text NOT NULL,
            env text NOT NULL,
            cluster text NOT NULL,
            idc text NOT NULL,
            stage text NOT NULL,
            namespace text NOT NULL,
            pod text NOT NULL,
            container text NOT NULL,
            level text NOT NULL,
            message text NOT NULL,
            kpart integer NOT NULL,
            koffset bigint NOT NULL
        ) PARTITION BY RANGE (ts)
        """
    )
    op.execute("CREATE INDEX ix_logs_app_ts ON logs (app, ts DESC)")
    # Out-of-window lines (older than the retention, or days ahead) land here, never lost.
    op.execute("CREATE TABLE logs_default PARTITION OF logs DEFAULT")
    op.execute(
        """
        CREATE TABLE log_offsets (
            topic text NOT NULL,
            partition integer NOT NULL,
            next_offset bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (topic, partition)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE log_dead_letters (
            id bigserial PRIMARY KEY,
            topic text NOT NULL,
            partition integer NOT NULL,
            "offset" bigint NOT NULL,
            value bytea,
            error text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE log_dead_letters")
    op.execute("DROP TABLE log_offsets")
    op.execute("DROP TABLE logs")
