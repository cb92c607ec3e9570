"""Leader election: one holder at a time; a dead holder is replaced within seconds."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

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
