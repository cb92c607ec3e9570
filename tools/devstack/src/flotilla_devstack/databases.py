"""Create databases on a running server (ours or one the user points at)."""

from __future__ import annotations

import re

import asyncpg
from sqlalchemy.engine import make_url

from flotilla_runtime.db import asyncpg_dsn

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def create_database(admin_url: str, name: str, *, recreate: bool = False) -> str:
    """Create `name` (if missing, or afresh with `recreate`); returns its SQLAlchemy URL."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid database name {name!r}")
    dsn = asyncpg_dsn(admin_url)
    conn = await asyncpg.connect(dsn)
    try:
        if recreate:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)
