"""Alembic wiring shared by every service.

A service's `alembic/env.py` is two lines: import its models, call `run_env(Base.metadata)`.
`upgrade(url, script_location)` runs the migrations from code (the `migrate` subcommand and the
test fixtures use it).

Replicas start together (deploy/ runs `migrate` in every pod's init container; the local stack
runs `serve --migrate` per replica), so an upgrade first takes a transaction-scoped advisory
lock: the second one waits, then reads the version the first committed and has nothing to do,
instead of failing on a table the first just created. PostgreSQL runs the whole upgrade in
that one transaction (its DDL is transactional), so the lock covers every revision.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

MIGRATION_LOCK = 0x0F1071A  # advisory lock key: "flotilla migrations"


def alembic_config(url: str, script_location: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, script_location: Path, revision: str = "head") -> None:
    """Apply migrations synchronously (call from a thread when a loop is running)."""
    command.upgrade(alembic_config(url, script_location), revision)


async def upgrade_async(url: str, script_location: Path, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, script_location, revision)


def run_env(target_metadata: MetaData) -> None:
    """Body of a service's alembic/env.py: online migrations over asyncpg."""
    config = context.config
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            # Before alembic reads its version table: a concurrent upgrade finishes first.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


RUNTIME_TABLES = ("flotilla_outbox", "flotilla_processed_events", "flotilla_dead_letters")


def create_runtime_tables() -> None:
    """For a service's first revision: the outbox, processed-events and dead-letter tables.

    Later changes to these tables ship as new helpers here, called from new revisions.
    """
    from alembic import op

    from flotilla_runtime import consumer, outbox  # noqa: F401  (registers the tables)
    from flotilla_runtime.db import Base

    bind = op.get_bind()
    for name in RUNTIME_TABLES:
        Base.metadata.tables[name].create(bind)


def drop_runtime_tables() -> None:
    from alembic import op

    for name in reversed(RUNTIME_TABLES):
        op.drop_table(name)


def create_audit_log() -> None:
    """For the revision that adds auditing to a service: the `audit_log` table
    (flotilla_runtime.audit.AuditEntry) with its indexes, as the runtime defines it."""
    from alembic import op

    from flotilla_runtime import audit  # noqa: F401  (registers the table)
    from flotilla_runtime.db import Base

    Base.metadata.tables["audit_log"].create(op.get_bind())


def drop_audit_log() -> None:
    from alembic import op

    op.drop_table("audit_log")  # its indexes go with it
