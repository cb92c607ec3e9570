"""Filebeat lines from Kafka into PostgreSQL: batched, COPYed, exactly once in effect.

Each batch is one PostgreSQL transaction: the rows (COPY into the partitioned `logs`), the
malformed records (`log_dead_letters`, with the raw bytes and the reason) and the next offset
of every partition in the batch (`log_offsets`). On (re)assignment the consumer seeks to the
stored offsets, so a consumer killed mid-batch re-reads exactly what was not committed: no line
lost, none stored twice. Offsets are committed to Kafka after the transaction as well (for lag
monitoring; the stored ones win).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Histogram

from flotilla_runtime.kafka import start_or_stop
from flotilla_runtime.settings import KafkaSettings
from monitor_gateway.logs.filebeat import COLUMNS, LogRow, Malformed, parse
from monitor_gateway.logs.partitions import Partitions

log = structlog.get_logger(__name__)
LINES = Counter("flotilla_logs_lines_total", "Log lines consumed, by outcome.", ["outcome"])
BATCH_SECONDS = Histogram(
    "flotilla_logs_batch_seconds",
    "Time to store one batch (parse, COPY, commit).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PoolFactory = Callable[[], Awaitable[asyncpg.Pool]]


class _SeekToStored(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, ingest: LogIngest) -> None:
        self._ingest = ingest

    async def on_partitions_revoked(self, revoked: Any) -> None:
        return None

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self._ingest.seek_stored(list(assigned))


class LogIngest:
    name = "log-ingest"

    def __init__(
        self,
        pool: PoolFactory,
        settings: KafkaSettings,
        partitions: Partitions,
        *,
        topic: str,
        group_id: str,
        max_batch: int = 20_000,
    ) -> None:
        self._pool = pool
        self._settings = settings
        self._partitions = partitions
        self.topic = topic
        self._group_id = group_id
        self._max_batch = max_batch
        self._consumer: AIOKafkaConsumer | None = None
        self.stored = 0
        self.in_batch = False  # True while a batch is being stored

    async def run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                group_id=self._group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_partition_fetch_bytes=8 * 1024 * 1024,
                fetch_max_bytes=32 * 1024 * 1024,
                request_timeout_ms=self._settings.kafka_request_timeout_ms,
            )
            self._consumer = consumer
            try:
                await start_or_stop(consumer)
                try:
                    async with (await self._pool()).acquire() as conn:
                        await self._partitions.load(conn)
                    consumer.subscribe([self.topic], listener=_SeekToStored(self))
                    while True:
                        batch = await consumer.getmany(timeout_ms=200, max_records=self._max_batch)
                        if batch:
                            await self._store(batch)
                finally:
                    self._consumer = None
                    await consumer.stop()
            except (KafkaError, OSError, asyncpg.PostgresError) as exc:
                # Nothing of the failed batch was stored; after the restart the stored offsets
                # bring the consumer back to exactly where it was.
                log.warning("log_ingest_restarting", error=repr(exc)[:300])
                await asyncio.sleep(1.0)

    async def seek_stored(self, assigned: list[TopicPartition]) -> None:
        consumer = self._consumer
        if consumer is None or not assigned:
            return
        async with (await self._pool()).acquire() as conn:
            rows = await conn.fetch(
                "SELECT partition, next_offset FROM log_offsets WHERE topic = $1 "
                "AND partition = ANY($2::int[])",
                self.topic,
                [tp.partition for tp in assigned],
            )
        for row in rows:
            consumer.seek(TopicPartition(self.topic, row["partition"]), row["next_offset"])

    async def _store(self, batch: dict[TopicPartition, list[Any]]) -> None:
        self.in_batch = True
        try:
            await self._store_batch(batch)
        finally:
            self.in_batch = False

    async def _store_batch(self, batch: dict[TopicPartition, list[Any]]) -> None:
        started = time.perf_counter()
        rows: list[LogRow] = []
        dead: list[tuple[str, int, int, bytes | None, str]] = []
        next_offsets: list[tuple[str, int, int]] = []
        for tp, records in batch.items():
            for record in records:
                try:
                    rows.append(parse(record.value, tp.partition, record.offset))
                except Malformed as exc:
                    dead.append((tp.topic, tp.partition, record.offset, record.value, str(exc)))
            next_offsets.append((tp.topic, tp.partition, records[-1].offset + 1))
        days: set[date] = {row.ts.date() for row in rows}
        pool = await self._pool()
        async with pool.acquire() as conn:
            await self._partitions.ensure(conn, days)
            async with conn.transaction():
                if rows:
                    await conn.copy_records_to_table("logs", records=rows, columns=COLUMNS)
                if dead:
                    await conn.executemany(
                        'INSERT INTO log_dead_letters (topic, partition, "offset", value, error) '
                        "VALUES ($1, $2, $3, $4, $5)",
                        dead,
                    )
                await conn.executemany(
                    "INSERT INTO log_offsets (topic, partition, next_offset) VALUES ($1, $2, $3) "
                    "ON CONFLICT (topic, partition) DO UPDATE SET "
                    "next_offset = EXCLUDED.next_offset, updated_at = now()",
                    next_offsets,
                )
        self.stored += len(rows)
        LINES.labels("stored").inc(len(rows))
        if dead:
            LINES.labels("malformed").inc(len(dead))
        BATCH_SECONDS.observe(time.perf_counter() - started)
        consumer = self._consumer
        if consumer is not None:
            try:
                await consumer.commit({TopicPartition(t, p): o for t, p, o in next_offsets})
            except KafkaError as exc:  # the stored offsets are the truth; this is for lag only
                log.warning("log_offsets_commit_failed", error=repr(exc)[:200])
