"""Every query of the log store (asyncpg, not the ORM: COPY and the search go to it directly).

The day partitions of `logs`, created ahead of the lines and dropped after the retention; the
lines COPYed in binary; dead letters; each topic partition's stored offset, moved by
compare-and-set so two replicas can never both store the same lines; and the search.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
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


async def stored_offsets(conn: Any, topic: str, partitions: list[int]) -> dict[int, int]:
    """The next offset to store of each of `partitions` that has one."""
    rows = await conn.fetch(
        "SELECT partition, next_offset FROM log_offsets WHERE topic = $1 "
        "AND partition = ANY($2::int[])",
        topic,
        partitions,
    )
    return {row["partition"]: row["next_offset"] for row in rows}


async def copy_lines(conn: Any, source: AsyncIterator[bytes], columns: Sequence[str]) -> None:
    """Binary COPY tuples (flotilla_logcopy's encoding) into `logs`."""
    await conn.copy_to_table("logs", source=source, columns=list(columns), format="binary")


async def add_dead_letters(conn: Any, rows: list[tuple[Any, ...]]) -> None:
    """(topic, partition, offset, value, error) of records that are not log lines."""
    await conn.executemany(
        'INSERT INTO log_dead_letters (topic, partition, "offset", value, error) '
        "VALUES ($1, $2, $3, $4, $5)",
        rows,
    )


async def move_offset(
    conn: Any, topic: str, partition: int, *, expected: int | None, to: int
) -> bool:
    """Compare-and-set of a partition's stored offset, from `expected` (None: no row yet, the
    first store of a new partition) to `to`; False when another replica moved it first."""
    if expected is None:
        done = await conn.fetchval(
            "INSERT INTO log_offsets (topic, partition, next_offset) VALUES ($1, $2, $3) "
            "ON CONFLICT (topic, partition) DO NOTHING RETURNING 1",
            topic,
            partition,
            to,
        )
    else:
        done = await conn.fetchval(
            "UPDATE log_offsets SET next_offset = $3, updated_at = now() "
            "WHERE topic = $1 AND partition = $2 AND next_offset = $4 RETURNING 1",
            topic,
            partition,
            to,
            expected,
        )
    return done is not None


async def search(
    conn: Any,
    *,
    app: str,
    since: datetime,
    until: datetime,
    columns: Mapping[str, str],
    levels: list[str] | None,
    words: str | None,
    contains: str | None,
    before: tuple[Any, ...] | None,
    limit: int,
    timeout_s: float = 10.0,
) -> list[Any]:
    """An app's lines in [since, until), newest first by (ts, partition, offset), at most
    `limit`: `columns` equal (names from the caller's allow-list, never from input), `levels`
    any of, `words` full-text (websearch syntax), `contains` a substring ignoring case,
    `before` the (ts, partition, offset) a page ended at. PostgreSQL cancels it after
    `timeout_s` (asyncpg.QueryCanceledError)."""
    where = ["app = $1", "ts >= $2", "ts < $3"]
    args: list[Any] = [app, since, until]
    for column, value in columns.items():
        args.append(value)
        where.append(f"{column} = ${len(args)}")
    if levels is not None:
        args.append(levels)
        where.append(f"level = ANY(${len(args)}::text[])")
    if words:
        args.append(words)
        where.append(
            f"to_tsvector('simple', message) @@ websearch_to_tsquery('simple', ${len(args)})"
        )
    if contains:
        args.append(contains.lower())
        where.append(f"strpos(lower(message), ${len(args)}) > 0")
    if before is not None:
        args.extend(before)
        n = len(args)
        where.append(f"(ts, kpart, koffset) < (${n - 2}, ${n - 1}, ${n})")
    args.append(limit)
    sql = (
        "SELECT * FROM logs WHERE "
        + " AND ".join(where)
        + f" ORDER BY ts DESC, kpart DESC, koffset DESC LIMIT ${len(args)}"
    )
    async with conn.transaction():
        await conn.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
        return list(await conn.fetch(sql, *args))
