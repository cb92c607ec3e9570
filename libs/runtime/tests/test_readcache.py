"""ReadCache against a real PostgreSQL: NOTIFY on commit drops entries; not on rollback."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from flotilla_devstack.pytest_plugin import engine_for, fresh_database
from flotilla_runtime.readcache import Cached, ReadCache

CHANNEL = "test_reads"


async def _until(check: object, timeout_s: float = 5.0) -> float:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < timeout_s, "timed out"
        await asyncio.sleep(0.001)
    return time.monotonic() - started


async def test_notify_on_commit_drops_the_tag_and_rollback_does_not(postgres_url: str) -> None:
    url = await fresh_database(postgres_url, "flotilla_readcache_test")
    cache = ReadCache(url, CHANNEL, check_interval_s=0.2)
    task = asyncio.create_task(cache.run())
    engine = engine_for(url)
    try:
        await _until(lambda: cache.listening)
        one = Cached(b'{"a": 1}', {"ETag": 'W/"1"'})
        cache.put("shop", "app:shop", one, cache.version("shop"))
        cache.put("other", "app:other", one, cache.version("other"))
        assert cache.get("app:shop") == one

        async with engine.begin() as conn:  # rolled back: nothing is dropped
            await conn.execute(text("SELECT pg_notify(:c, 'shop')"), {"c": CHANNEL})
            await conn.rollback()
        await asyncio.sleep(0.2)
        assert cache.get("app:shop") == one

        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_notify(:c, 'shop')"), {"c": CHANNEL})
        delay = await _until(lambda: cache.get("app:shop") is None)
        assert delay < 1.0
        assert cache.get("app:other") == one  # other tags stay

        # A read that began before a change is not stored after it.
        version = cache.version("shop")
        cache.drop("shop")
        cache.put("shop", "app:shop", one, version)
        assert cache.get("app:shop") is None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
    assert not cache.listening
    assert cache.get("app:other") is None  # not listening: the cache is off


async def test_a_commit_on_this_replica_drops_the_tags_of_the_rows_it_wrote(
    postgres_url: str,
) -> None:
    """No writer calls drop(): the session events do, on commit only, for this engine only."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from flotilla_runtime.audit import AuditEntry
    from flotilla_runtime.db import Base

    url = await fresh_database(postgres_url, "flotilla_readcache_follow")
    other_url = await fresh_database(postgres_url, "flotilla_readcache_other")
    cache = ReadCache(url, CHANNEL, check_interval_s=0.2)
    engine, other = engine_for(url), engine_for(other_url)
    for e in (engine, other):
        async with e.begin() as conn:
            await conn.run_sync(lambda c: Base.metadata.tables["audit_log"].create(c))
    cache.follow_commits(engine, lambda row: [row.target] if isinstance(row, AuditEntry) else [])
    task = asyncio.create_task(cache.run())
    one = Cached(b"{}", {})

    def entry(target: str) -> AuditEntry:
        return AuditEntry(actor="a", action="x", target=target, outcome="ok", detail={})

    try:
        await _until(lambda: cache.listening)
        for tag in ("shop", "kept", "elsewhere"):
            cache.put(tag, f"app:{tag}", one, cache.version(tag))
        async with async_sessionmaker(engine)() as session:
            session.add(entry("kept"))
            await session.flush()
            await session.rollback()  # rolled back: stays
            session.add(entry("shop"))
            await session.commit()
        async with async_sessionmaker(other)() as session:  # another service's engine
            session.add(entry("elsewhere"))
            await session.commit()
        assert cache.get("app:shop") is None  # at once, not by the notification
        assert cache.get("app:kept") == one
        assert cache.get("app:elsewhere") == one
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
        await other.dispose()
    cache.put("shop", "app:shop", one, cache.version("shop"))
    again = engine_for(url)
    async with async_sessionmaker(again)() as session:  # stopped: nothing followed any more
        session.add(entry("shop"))
        await session.commit()
    await again.dispose()
    assert cache._session_events == []
