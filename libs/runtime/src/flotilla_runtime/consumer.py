"""Kafka consumer runner: one DB transaction per batch, offsets committed after it, dedupe by id.

Delivery is at least once. A batch is handled in one transaction that also records each event's
id in `flotilla_processed_events`; an event whose id is already there is skipped, so redelivery
after a crash or a failed offset commit changes nothing. Offsets are committed only after the
transaction commits. A batch that keeps failing is retried record by record, and a record that
still fails after `max_attempts` is stored in `flotilla_dead_letters` (reported, never dropped)
so one poison message cannot stall its partition forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.errors import CommitFailedError, KafkaError
from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_contracts import CloudEvent, NotACloudEvent, from_kafka
from flotilla_runtime.db import Base, create_sessionmaker, session_scope
from flotilla_runtime.kafka import start_or_stop
from flotilla_runtime.metrics import CONSUMED_EVENTS
from flotilla_runtime.settings import KafkaSettings
from flotilla_runtime.transient import outage

log = structlog.get_logger(__name__)

EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]


class ProcessedEvent(Base):
    __tablename__ = "flotilla_processed_events"

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )


class DeadLetter(Base):
    __tablename__ = "flotilla_dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consumer: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[bytes | None] = mapped_column(LargeBinary)
    value: Mapped[bytes | None] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, Any]] = mapped_column(JSONB)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )


class PoisonRecord(Exception):
    """Raised by a handler for a record that can never be processed (goes to dead letters)."""


class EventConsumer:
    """Worker that feeds CloudEvents from `topics` to `handler`, exactly once in effect."""

    def __init__(
        self,
        *,
        name: str,
        topics: Sequence[str],
        group_id: str,
        handler: EventHandler,
        engine: AsyncEngine,
        settings: KafkaSettings,
        max_batch: int = 500,
        max_attempts: int = 5,
        max_backoff_s: float = 10.0,
        new_group_starts_at: Literal["earliest", "latest"] = "earliest",
    ) -> None:
        self.name = name
        self._topics = list(topics)
        self._group_id = group_id
        self._handler = handler
        self._sessionmaker = create_sessionmaker(engine)
        self._settings = settings
        self._max_batch = max_batch
        self._max_attempts = max_attempts
        self._max_backoff_s = max_backoff_s
        # where a group with no committed offsets begins: everything the topic still holds,
        # or only what comes from now on (a later start resumes at the committed offsets)
        self._new_group_starts_at = new_group_starts_at

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            *self._topics,
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            group_id=self._group_id,
            client_id=self.name,
            enable_auto_commit=False,
            auto_offset_reset=self._new_group_starts_at,
            request_timeout_ms=max(self._settings.kafka_request_timeout_ms, 40_000),
        )
        await self._start(consumer)
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._max_batch)
                records = [r for part in batches.values() for r in part]
                if not records:
                    continue
                await self._handle_batch(records)
                try:
                    await consumer.commit()
                except (CommitFailedError, KafkaError) as exc:
                    # The records are stored; redelivery after a rebalance is deduplicated.
                    log.warning("consumer_commit_failed", consumer=self.name, error=repr(exc))
        finally:
            await consumer.stop()

    async def _start(self, consumer: AIOKafkaConsumer) -> None:
        backoff = 0.2
        while True:
            try:
                await start_or_stop(consumer)
                return
            except KafkaError as exc:
                log.warning("consumer_start_failed", consumer=self.name, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(self._max_backoff_s, backoff * 2)

    async def _handle_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        backoff = 0.2
        attempt = 0
        while True:
            try:
                async with session_scope(self._sessionmaker) as session:
                    for record in records:
                        await self._handle_one(session, record)
                return
            except Exception as exc:
                away = outage(exc)
                if away is not None:
                    # The database (or a service the handler asks) is away: nothing was
                    # stored. Wait, never skip, and never count it against the records.
                    log.warning(
                        "consumer_dependency_unavailable",
                        consumer=self.name,
                        dependency=away,
                        error=repr(exc),
                    )
                else:
                    log.warning(
                        "consumer_batch_failed",
                        consumer=self.name,
                        attempt=attempt,
                        error=repr(exc),
                    )
                    attempt += 1
                    if attempt >= self._max_attempts and await self._isolate_poison(records):
                        return
            await asyncio.sleep(backoff)
            backoff = min(self._max_backoff_s, backoff * 2)

    async def _handle_one(
        self, session: AsyncSession, record: ConsumerRecord[bytes, bytes]
    ) -> None:
        try:
            event = from_kafka(record.headers, record.value)
        except NotACloudEvent as exc:
            raise PoisonRecord(f"not a CloudEvent: {exc}") from exc
        inserted = await session.scalar(
            insert(ProcessedEvent)
            .values(consumer=self.name, event_id=event.id)
            .on_conflict_do_nothing()
            .returning(ProcessedEvent.event_id)
        )
        if inserted is None:
            CONSUMED_EVENTS.labels(self.name, "duplicate").inc()
            return
        with structlog.contextvars.bound_contextvars(
            topic=record.topic, partition=record.partition, offset=record.offset, event_id=event.id
        ):
            await self._handler(session, event)
        CONSUMED_EVENTS.labels(self.name, "processed").inc()

    async def _isolate_poison(self, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        """Retry one record per transaction; store the ones that still fail as dead letters.
        False when an outage interrupts it: the batch is retried whole (records handled here
        meanwhile are deduplicated), nothing is dead-lettered because a dependency was away."""
        for record in records:
            try:
                async with session_scope(self._sessionmaker) as session:
                    await self._handle_one(session, record)
            except Exception as exc:
                if outage(exc) is not None:
                    return False
                try:
                    await self._dead_letter(record, exc)
                except Exception as write_failed:
                    if outage(write_failed) is None:
                        raise
                    return False
        return True

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], exc: Exception) -> None:
        async with session_scope(self._sessionmaker) as session:
            session.add(
                DeadLetter(
                    consumer=self.name,
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                    key=record.key,
                    value=record.value,
                    headers={k: v.decode(errors="replace") for k, v in record.headers},
                    error=repr(exc)[:4000],
                )
            )
        CONSUMED_EVENTS.labels(self.name, "dead_letter").inc()
        log.error(
            "consumer_dead_letter",
            consumer=self.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=repr(exc),
        )
