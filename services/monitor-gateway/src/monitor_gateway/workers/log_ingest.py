"""Filebeat lines from Kafka into PostgreSQL: batched, COPYed, exactly once in effect.

Each batch is one PostgreSQL transaction: the rows (COPY into the partitioned `logs`), the
malformed records (`log_dead_letters`, with the raw bytes and the reason) and the next offset
of every partition in the batch (`log_offsets`). The offsets are the truth: a partition given to
this replica is read from its stored offset, so a replica killed mid-batch is followed by one
that re-reads exactly what was not committed — no line lost, none stored twice. The offset
update is a compare-and-set on the offset the batch started from, so a replica that lost its
partitions without noticing (a pause, a partition from Kafka) cannot store them a second time:
its transaction rolls back and it re-reads the stored offsets. Offsets are committed to Kafka
after the transaction as well, for lag monitoring only.

The consumer group (assignment, rebalances, heartbeats) is aiokafka's consumer, with every
partition paused; the records are read by `RawFetcher` (see `logs.fetch` for why). Their values
go to `flotilla_logcopy.encode` (Rust), which parses each event as `logs.filebeat.parse` does
and writes PostgreSQL's binary COPY tuples directly: in Python the parse and asyncpg's encoding
took ~3.7 µs a line, more than the COPY itself. While one batch is COPYed the next fetch is
already on its way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError
from flotilla_logcopy import COPY_HEADER, COPY_TRAILER, encode
from prometheus_client import Counter, Histogram

from flotilla_runtime.kafka import start_or_stop
from flotilla_runtime.settings import KafkaSettings
from flotilla_runtime.transient import outage
from monitor_gateway.logs import store
from monitor_gateway.logs.fetch import Fetched, RawFetcher
from monitor_gateway.logs.filebeat import COLUMNS
from monitor_gateway.logs.store import Partitions

log = structlog.get_logger(__name__)
LINES = Counter("flotilla_logs_lines_total", "Log lines consumed, by outcome.", ["outcome"])
BATCH_SECONDS = Histogram(
    "flotilla_logs_batch_seconds",
    "Time to store one batch (COPY, dead letters, offsets, commit).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PoolFactory = Callable[[], Awaitable[asyncpg.Pool]]
Dead = tuple[str, int, int, bytes | None, str]  # topic, partition, offset, value, reason


_EPOCH = date(1970, 1, 1)


async def _copy_stream(chunks: list[bytes]) -> AsyncIterator[bytes]:
    """A binary COPY stream of the encoded tuples."""
    yield COPY_HEADER
    for chunk in chunks:
        yield chunk
    yield COPY_TRAILER


class Fenced(Exception):
    """Another replica stored this partition past where our batch starts."""


@dataclass(slots=True, eq=False)
class _Owned:
    """A partition this replica reads, from one claim of it: where to fetch next, and the
    offset `log_offsets` holds (or, before its row exists, where reading began)."""

    position: int
    stored: int
    recorded: bool  # `log_offsets` has the partition's row


@dataclass(slots=True)
class _Batch:
    """Encoded lines of one transaction and, per partition, the offsets they span."""

    copy: list[bytes] = field(default_factory=list)  # binary COPY tuples, in chunks
    rows: int = 0
    days: set[date] = field(default_factory=set)
    dead: list[Dead] = field(default_factory=list)
    # partition: (the claim it was read under, first offset, next offset)
    spans: dict[int, tuple[_Owned, int, int]] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return self.rows + len(self.dead)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, ingest: LogIngest) -> None:
        self._ingest = ingest

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self._ingest.release([tp.partition for tp in revoked])

    async def on_partitions_assigned(self, assigned: Any) -> None:
        # Paused at once so aiokafka's own fetcher never reads them; the ingest claims them
        # (stored offsets) from its loop, where a failure to do so is retried.
        self._ingest.pause(list(assigned))


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
        self._owned: dict[int, _Owned] = {}
        # Held while a batch is stored: a revocation waits for it, so nothing is stored for a
        # partition after this replica gave it up.
        self._storing = asyncio.Lock()
        self.stored = 0
        self.in_batch = False  # True while a batch is being stored

    @property
    def partitions(self) -> list[int]:
        """The partitions of the topic this replica reads now."""
        return sorted(self._owned)

    async def run(self) -> None:
        while True:
            fetcher = RawFetcher(
                AIOKafkaClient(
                    bootstrap_servers=self._settings.kafka_bootstrap_servers,
                    request_timeout_ms=self._settings.kafka_request_timeout_ms,
                ),
                self.topic,
            )
            try:
                await start_or_stop(fetcher)
                try:
                    await self._member(fetcher)
                finally:
                    await fetcher.stop()
            except Exception as exc:
                # The broker or the database away (flotilla_runtime.transient's judgement: a
                # connection closed under a batch is one too; tests/faults found it): nothing
                # of the failed batch was stored, and after the restart the stored offsets
                # bring the consumer back to exactly where it was. Anything else is a fault
                # and stops the worker
                # (every Kafka error: a rebalance's too)
                away = "broker" if isinstance(exc, KafkaError) else outage(exc)
                if away is None:
                    raise
                log.warning("log_ingest_restarting", dependency=away, error=repr(exc)[:300])
                await asyncio.sleep(1.0)

    async def _member(self, fetcher: RawFetcher) -> None:
        """Join the consumer group and read what it assigns until cancelled or failing."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self._group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=self._settings.kafka_request_timeout_ms,
        )
        await start_or_stop(consumer)
        self._consumer = consumer
        try:
            async with (await self._pool()).acquire() as conn:
                await self._partitions.load(conn)
            consumer.subscribe([self.topic], listener=_Rebalance(self))
            await self._consume(consumer, fetcher)
        finally:
            self._consumer = None
            self._owned.clear()
            await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer, fetcher: RawFetcher) -> None:
        ahead: asyncio.Task[list[Fetched]] | None = None
        try:
            while True:
                # The group's consumer is polled only to stay a member (aiokafka leaves the
                # group when it is not polled within max_poll_interval_ms); it fetches nothing.
                await consumer.getmany(timeout_ms=0)
                await self._reconcile(consumer)
                if ahead is None:
                    ahead = asyncio.create_task(self._fetch(fetcher))
                fetched = await ahead
                ahead = None
                batches = self._parse(fetched)
                if self._owned:
                    ahead = asyncio.create_task(self._fetch(fetcher))
                for batch in batches:
                    await self._store(batch)
        finally:
            if ahead is not None:
                # The fetch may be opening its connection to a leader, and aiokafka leaks a
                # connection cancelled midway: it gets a moment to finish (it waits ≤ 200 ms).
                await asyncio.wait({ahead}, timeout=2)
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)

    async def _fetch(self, fetcher: RawFetcher) -> list[Fetched]:
        positions = {p: owned.position for p, owned in self._owned.items()}
        if not positions:
            await asyncio.sleep(0.2)
            return []
        fetched = await fetcher.fetch(positions)
        for answer in fetched:
            if answer.out_of_range:
                await self._reset(answer.partition, answer.offset)
        return fetched

    def pause(self, assigned: list[TopicPartition]) -> None:
        if self._consumer is not None and assigned:
            self._consumer.pause(*assigned)

    async def _reconcile(self, consumer: AIOKafkaConsumer) -> None:
        """Own exactly the partitions the group gave this replica."""
        assigned = {tp for tp in consumer.assignment() if tp.topic == self.topic}
        for gone in set(self._owned) - {tp.partition for tp in assigned}:
            self._owned.pop(gone, None)
        new = [tp for tp in assigned if tp.partition not in self._owned]
        if new:
            await self._claim(consumer, new)

    async def _claim(self, consumer: AIOKafkaConsumer, assigned: list[TopicPartition]) -> None:
        """Read the new partitions from their stored offsets (or the topic's first)."""
        consumer.pause(*assigned)
        async with (await self._pool()).acquire() as conn:
            stored = await self._stored_offsets(conn, [tp.partition for tp in assigned])
        fresh = [tp for tp in assigned if tp.partition not in stored]
        first = await consumer.beginning_offsets(fresh) if fresh else {}
        for tp in assigned:
            at = stored.get(tp.partition)
            base = at if at is not None else first[tp]
            self._owned[tp.partition] = _Owned(base, base, recorded=at is not None)
        log.info("log_partitions_claimed", partitions=sorted(tp.partition for tp in assigned))

    async def release(self, partitions: list[int]) -> None:
        async with self._storing:
            for partition in partitions:
                self._owned.pop(partition, None)

    async def _reset(self, partition: int, offset: int) -> None:
        """The offset we were at is gone from the topic (its retention): go on from the first
        line still there, counting what was lost."""
        consumer = self._consumer
        owned = self._owned.get(partition)
        if consumer is None or owned is None or owned.position != offset:
            return
        tp = TopicPartition(self.topic, partition)
        first = (await consumer.beginning_offsets([tp]))[tp]
        last = (await consumer.end_offsets([tp]))[tp]
        position = first if offset < first else last
        log.warning("log_offset_out_of_range", partition=partition, offset=offset, now=position)
        async with self._storing:
            if self._owned.get(partition) is not owned or owned.stored != owned.position:
                return  # moved meanwhile, or batches read before it are still to be stored
            # The skip is stored like a batch, so the next batch starts where it is recorded.
            try:
                async with (await self._pool()).acquire() as conn, conn.transaction():
                    await self._advance(conn, partition, owned, position)
            except Fenced:
                await self._reread([partition])
                return
            owned.stored = owned.position = position
            owned.recorded = True
        LINES.labels("expired").inc(max(0, first - offset))

    async def _stored_offsets(
        self, conn: asyncpg.Connection, partitions: list[int]
    ) -> dict[int, int]:
        return await store.stored_offsets(conn, self.topic, partitions)

    def _parse(self, fetched: list[Fetched]) -> list[_Batch]:
        """Batches of at most `max_batch` lines; advances the fetch positions."""
        batches = [_Batch()]
        for answer in fetched:
            owned = self._owned.get(answer.partition)
            if owned is None or owned.position != answer.offset or answer.records is None:
                continue  # revoked, reset or sought meanwhile, or nothing to read
            owned.position = self._parse_partition(answer, owned, owned.position, batches)
        return [batch for batch in batches if batch.spans]

    def _parse_partition(
        self, answer: Fetched, owned: _Owned, position: int, batches: list[_Batch]
    ) -> int:
        """Encode one partition's record batches into `batches`; returns the next position."""
        partition, records = answer.partition, answer.records
        assert records is not None
        batch = batches[-1]
        start = position
        values: list[bytes | None] = []
        offsets: list[int] = []
        room = self._max_batch - batch.lines
        while records.has_next():
            kafka_batch = records.next_batch()
            if kafka_batch is None or not kafka_batch.validate_crc():
                log.warning("log_batch_corrupt", partition=partition, offset=position)
                break  # fetched again from `position` next time
            if not kafka_batch.is_control_batch:
                for record in kafka_batch:
                    offset = record.offset
                    if offset < position:
                        continue  # the batch began before the offset we asked for
                    if not room:
                        self._encode(batch, partition, values, offsets)
                        batch.spans[partition] = (owned, start, position)
                        batch, values, offsets = _Batch(), [], []
                        batches.append(batch)
                        start, room = position, self._max_batch
                    values.append(record.value)
                    offsets.append(offset)
                    room -= 1
                    position = offset + 1
            position = max(position, kafka_batch.next_offset)
        self._encode(batch, partition, values, offsets)
        if position > start:
            batch.spans[partition] = (owned, start, position)
        return position

    def _encode(
        self, batch: _Batch, partition: int, values: list[bytes | None], offsets: list[int]
    ) -> None:
        if not values:
            return
        tuples, rows, dead, days = encode(values, offsets, partition)
        batch.copy.append(tuples)
        batch.rows += rows
        batch.days.update(_EPOCH + timedelta(days=day) for day in days)
        batch.dead.extend(
            (self.topic, partition, offsets[i], values[i], reason) for i, reason in dead
        )

    async def _store(self, batch: _Batch) -> None:
        async with self._storing:
            if not all(
                self._owned.get(p) is owned and owned.stored == start
                for p, (owned, start, _) in batch.spans.items()
            ):
                await self._reread(list(batch.spans))  # revoked or reassigned while it was parsed
                return
            self.in_batch = True
            try:
                await self._store_batch(batch)
            except Fenced:
                log.warning("log_offsets_fenced", partitions=sorted(batch.spans))
                await self._reread(list(batch.spans))
                return
            finally:
                self.in_batch = False
        consumer = self._consumer
        if consumer is not None:
            offsets = {TopicPartition(self.topic, p): n for p, (_, _, n) in batch.spans.items()}
            try:
                await consumer.commit(offsets)
            except KafkaError as exc:  # the stored offsets are the truth; this is for lag only
                log.warning("log_offsets_commit_failed", error=repr(exc)[:200])

    async def _store_batch(self, batch: _Batch) -> None:
        started = time.perf_counter()
        async with (await self._pool()).acquire() as conn:
            await self._partitions.ensure(conn, batch.days)
            async with conn.transaction():
                if batch.rows:
                    await store.copy_lines(conn, _copy_stream(batch.copy), COLUMNS)
                if batch.dead:
                    await store.add_dead_letters(conn, batch.dead)
                for partition, (owned, _, next_offset) in batch.spans.items():
                    await self._advance(conn, partition, owned, next_offset)
        for owned, _, next_offset in batch.spans.values():
            owned.stored = next_offset
            owned.recorded = True
        self.stored += batch.rows
        LINES.labels("stored").inc(batch.rows)
        if batch.dead:
            LINES.labels("malformed").inc(len(batch.dead))
        BATCH_SECONDS.observe(time.perf_counter() - started)

    async def _advance(
        self, conn: asyncpg.Connection, partition: int, owned: _Owned, next_offset: int
    ) -> None:
        """Compare-and-set of the stored offset: from what this replica last stored (or read
        when it claimed the partition; no row yet for a new one) to `next_offset`."""
        expected = owned.stored if owned.recorded else None
        if not await store.move_offset(
            conn, self.topic, partition, expected=expected, to=next_offset
        ):
            raise Fenced(partition)

    async def _reread(self, partitions: list[int]) -> None:
        """Fetch these partitions again from what `log_offsets` holds now."""
        if not partitions:
            return
        async with (await self._pool()).acquire() as conn:
            stored = await self._stored_offsets(conn, partitions)
        for partition in partitions:
            owned = self._owned.get(partition)
            if owned is None:
                continue
            at = stored.get(partition)
            if at is not None:
                owned.stored, owned.recorded = at, True
            owned.position = owned.stored
