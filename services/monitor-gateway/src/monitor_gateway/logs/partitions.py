"""Day partitions of `logs`: created ahead of the lines, dropped after the retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger(__name__)


def partition_name(day: date) -> str:
    return f"logs_p{day:%Y%m%d}"


def in_window(day: date, today: date, retention_days: int, ahead_days: int) -> bool:
    return today - timedelta(days=retention_days) <= day <= today + timedelta(days=ahead_days)


class Partitions:
    """Knows which day partitions exist; creates missing ones inside the window."""

    def __init__(self, retention_days: int, ahead_days: int = 2) -> None:
        self.retention_days = retention_days
        self.ahead_days = ahead_days
        self._known: set[date] = set()

    async def load(self, conn: Any) -> None:
        rows = await conn.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'logs'"
        )
        self._known = {
            datetime.strptime(r["relname"][6:], "%Y%m%d").date()
            for r in rows
            if r["relname"].startswith("logs_p")
        }

    async def ensure(self, conn: Any, days: set[date]) -> None:
        """Create the partitions of `days` that are inside the window (others: default)."""
        today = datetime.now(UTC).date()
        for day in sorted(days - self._known):
            if not in_window(day, today, self.retention_days, self.ahead_days):
                continue
            start = datetime.combine(day, time(), UTC)
            try:
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF logs "
                    f"FOR VALUES FROM ('{start.isoformat()}') "
                    f"TO ('{(start + timedelta(days=1)).isoformat()}')"
                )
            except asyncpg.PostgresError as exc:
                # e.g. the default partition already holds lines of that day: they stay there.
                log.warning("log_partition_not_created", day=str(day), error=str(exc)[:200])
            self._known.add(day)

    async def drop_expired(self, conn: Any) -> list[str]:
        """Drop whole days past the retention (and expired lines of the default partition)."""
        await self.load(conn)
        cutoff = datetime.now(UTC).date() - timedelta(days=self.retention_days)
        dropped = []
        for day in sorted(d for d in self._known if d < cutoff):
            await conn.execute(f"DROP TABLE IF EXISTS {partition_name(day)}")
            self._known.discard(day)
            dropped.append(partition_name(day))
        await conn.execute(
            "DELETE FROM logs_default WHERE ts < $1",
            datetime.combine(cutoff, time(), UTC),
        )
        return dropped
