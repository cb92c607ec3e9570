"""Leader election with a PostgreSQL session advisory lock.

Why PostgreSQL and not a Kubernetes Lease: every replica already talks to its database, the lock
is released the instant the holder's connection dies (a killed pod frees it within the TCP
teardown, no lease expiry to wait out), and it works the same on and off Kubernetes. The holder
checks its connection every `check_interval_s`; losing it means losing leadership at once.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import asyncpg
import structlog

from flotilla_runtime.db import asyncpg_dsn
from flotilla_runtime.transient import outage

log = structlog.get_logger(__name__)


class LeaderLock:
    """Worker: tries to hold lock `name`; `is_leader` says whether this replica holds it."""

    def __init__(self, database_url: str, name: str, *, check_interval_s: float = 1.0) -> None:
        self.name = f"leader:{name}"
        self._dsn = asyncpg_dsn(database_url)
        self._key = zlib.crc32(name.encode())
        self._interval = check_interval_s
        self._conn: Any = None
        self.is_leader = False
        self.became_leader = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self._step()
                except Exception as exc:
                    if outage(exc) is None:
                        raise
                    if self.is_leader:
                        log.warning("leadership_lost", lock=self.name, error=repr(exc))
                    self._lose()
                await asyncio.sleep(self._interval)
        finally:
            self._lose()

    async def _step(self) -> None:
        if self._conn is None or self._conn.is_closed():
            self._lose()
            self._conn = await asyncpg.connect(self._dsn, timeout=self._interval * 3)
        if self.is_leader:
            await self._conn.fetchval("SELECT 1", timeout=self._interval * 3)
            return
        if await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key):
            self.is_leader = True
            self.became_leader.set()
            log.info("leadership_acquired", lock=self.name)

    def _lose(self) -> None:
        self.is_leader = False
        self.became_leader.clear()
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()  # closing the session releases the lock
