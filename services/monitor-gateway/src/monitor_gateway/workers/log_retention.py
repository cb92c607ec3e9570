"""Worker: the log table's daily partitions, created ahead and dropped past the retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from monitor_gateway.logs.store import Partitions

log = structlog.get_logger(__name__)


class Retention:
    """Worker: creates the coming days' partitions and drops expired ones, hourly."""

    name = "log-retention"

    def __init__(self, pool_factory: Any, partitions: Partitions, interval_s: float = 3600):
        self._pool_factory = pool_factory
        self._partitions = partitions
        self._interval_s = interval_s

    async def run(self) -> None:
        while True:
            try:
                pool = await self._pool_factory()
                async with pool.acquire() as conn:
                    today = datetime.now(UTC).date()
                    await self._partitions.ensure(
                        conn,
                        {today + timedelta(days=i) for i in range(self._partitions.ahead_days + 1)},
                    )
                    dropped = await self._partitions.drop_expired(conn)
                if dropped:
                    log.info("log_partitions_dropped", partitions=dropped)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("log_retention_failed", error=repr(exc)[:200])
            await asyncio.sleep(self._interval_s)
