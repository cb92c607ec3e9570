"""Leader election with a PostgreSQL session advisory lock.

Why PostgreSQL and not a Kubernetes Lease: every replica already talks to its database, the lock
is released the instant the holder's connection dies (a killed pod frees it within the TCP
teardown, no lease expiry to wait out), and it works the same on and off Kubernetes. The holder
checks its connection every `check_interval_s`.

A database outage is not a reason to stop leading: while PostgreSQL is away no other replica can
take the lock either, and the work a leader does (k8s-sync keeping the ingress in step with
pods a Deployment keeps replacing) matters most then. So the holder keeps `is_leader` through an
outage for up to `outage_grace_s` since the lock was last confirmed, then lets go; when the
database answers again it takes the lock again at once, or loses it at once if another replica
got it. A connection that dies while the database answers (the session was killed) is lost
leadership at once, as before. Two writers are possible only when a partition separates the
holder from the database but not the others, and then for at most the grace.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from typing import Any

import asyncpg
import structlog

from flotilla_runtime.db import asyncpg_dsn
from flotilla_runtime.metrics import LEADER
from flotilla_runtime.transient import outage

log = structlog.get_logger(__name__)


class LeaderLock:
    """Worker: tries to hold lock `name`; `is_leader` says whether this replica holds it."""

    def __init__(
        self,
        database_url: str,
        name: str,
        *,
        check_interval_s: float = 1.0,
        outage_grace_s: float = 30.0,
    ) -> None:
        self.name = f"leader:{name}"
        self._dsn = asyncpg_dsn(database_url)
        self._key = zlib.crc32(name.encode())
        self._interval = check_interval_s
        self._grace_s = outage_grace_s
        self._conn: Any = None
        self._confirmed_at = 0.0
        self._holding_through: str | None = None
        self.is_leader = False
        self.became_leader = asyncio.Event()
        self._resigned = False

    def step_down(self) -> None:
        """Let go of the lock now and never take it again (a replica that is shutting down
        hands its work over: another replica takes the lock on its next check)."""
        self._resigned = True
        if self.is_leader:
            log.info("leadership_handed_over", lock=self.name)
        self._lose()

    async def run(self) -> None:
        try:
            while True:
                if self._resigned:
                    await asyncio.sleep(self._interval)
                    continue
                try:
                    await self._step()
                except Exception as exc:
                    if outage(exc) is None:
                        raise
                    self._drop_connection()
                    if self.is_leader:
                        await self._recheck(exc)
                await asyncio.sleep(self._interval)
        finally:
            self._lose()

    async def _step(self) -> None:
        reconnected = False
        if self._conn is None or self._conn.is_closed():
            self._drop_connection()
            self._conn = await asyncpg.connect(self._dsn, timeout=self._interval * 3)
            reconnected = True
        if self.is_leader and not reconnected:
            await self._conn.fetchval("SELECT 1", timeout=self._interval * 3)
            self._confirmed_at = time.monotonic()
            return
        # A new session holds no lock: take it (again, if this replica led through an outage).
        if await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key):
            if self._resigned:  # stepped down while this was under way
                self._lose()
                return
            was_leader, self.is_leader = self.is_leader, True
            LEADER.labels(self.name).set(1)
            self._confirmed_at = time.monotonic()
            self.became_leader.set()
            if was_leader:
                log.info("leadership_kept", lock=self.name, through=self._holding_through)
            else:
                log.info("leadership_acquired", lock=self.name)
            self._holding_through = None
        elif self.is_leader:
            log.warning("leadership_lost", lock=self.name, error="another replica holds it")
            self._lose()

    async def _recheck(self, exc: BaseException) -> None:
        """The lock's session died. If the database answers at once, it was the session (killed,
        or its backend crashed): take the lock again or lose it now. Else hold through."""
        try:
            await self._step()
        except Exception as again:
            if outage(again) is None:
                raise
            self._drop_connection()
            self._hold_through(again)

    def _hold_through(self, exc: BaseException) -> None:
        """The database is away: keep leading for the grace, then let go."""
        if time.monotonic() - self._confirmed_at > self._grace_s:
            log.warning("leadership_lost", lock=self.name, error=repr(exc)[:300])
            self._lose()
        elif self._holding_through is None:
            self._holding_through = repr(exc)[:300]
            log.warning(
                "leadership_held_through_outage",
                lock=self.name,
                grace_s=self._grace_s,
                error=self._holding_through,
            )

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()  # closing the session releases the lock

    def _lose(self) -> None:
        self.is_leader = False
        LEADER.labels(self.name).set(0)
        self._holding_through = None
        self.became_leader.clear()
        self._drop_connection()
