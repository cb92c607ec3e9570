"""Leader election: one holder at a time; a dead holder is replaced within seconds."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from flotilla_devstack.postgres import PostgresServer
from flotilla_runtime.leader import LeaderLock

pytestmark = pytest.mark.integration


async def test_one_leader_and_failover(db_engine: AsyncEngine) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    first, second = (LeaderLock(url, "sync", check_interval_s=0.2) for _ in range(2))
    tasks = [asyncio.create_task(first.run())]
    try:
        async with asyncio.timeout(5):
            await first.became_leader.wait()
        tasks.append(asyncio.create_task(second.run()))
        await asyncio.sleep(0.6)
        assert first.is_leader
        assert not second.is_leader
        # Kill the leader's session as a crash would (its connection goes away).
        dsn = url.replace("postgresql+asyncpg", "postgresql")
        admin = await asyncpg.connect(dsn)
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        )
        await admin.close()
        start = time.monotonic()
        async with asyncio.timeout(5):
            await second.became_leader.wait()
        assert time.monotonic() - start < 2.0
        await asyncio.sleep(0.5)
        assert not leading(first)  # it noticed, and the lock is taken: never two leaders
        assert leading(second)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def leading(lock: LeaderLock) -> bool:
    return lock.is_leader


async def test_the_leader_keeps_leading_through_a_database_outage(tmp_path: Path) -> None:
    """While PostgreSQL is away nobody can take the lock: the holder keeps leading (up to its
    grace), and takes the lock again when the database is back."""
    server = PostgresServer(tmp_path / "pg", durable=False)
    server.start()
    try:
        url = server.url()
        lock = LeaderLock(url, "outage", check_interval_s=0.2, outage_grace_s=30)
        tasks = [asyncio.create_task(lock.run())]
        try:
            async with asyncio.timeout(5):
                await lock.became_leader.wait()
            await asyncio.to_thread(server.stop)
            await asyncio.sleep(2)
            assert lock.is_leader  # held through
            await asyncio.to_thread(server.start)
            await asyncio.sleep(1)  # the holder's next check takes the lock again
            assert lock.is_leader
            other = LeaderLock(url, "outage", check_interval_s=0.2)
            tasks.append(asyncio.create_task(other.run()))
            await asyncio.sleep(1)
            assert lock.is_leader
            assert not other.is_leader  # one leader: the lock is really held again
        finally:
            for running in tasks:
                running.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        short = LeaderLock(url, "grace", check_interval_s=0.1, outage_grace_s=0.5)
        task = asyncio.create_task(short.run())
        try:
            async with asyncio.timeout(5):
                await short.became_leader.wait()
            await asyncio.to_thread(server.stop)
            await asyncio.sleep(1.5)
            assert not short.is_leader  # past the grace it lets go
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    finally:
        server.stop()
