"""Transactional outbox: events are rows written in the caller's transaction, published later.

`add_event()` inserts a CloudEvent next to the business change, so an event leaves only when the
change commits. `OutboxRelay` publishes pending rows with an idempotent producer and marks them
sent. Nothing is lost while the broker is down: rows stay pending and the relay retries.

Ordering and replicas. Each row belongs to one of `SLOTS` slots by a hash of its key. A relay
round first takes transaction-scoped advisory locks on the slots it will serve, then reads that
slot's rows in id order. Two replicas therefore never publish the same key at the same time, so
per-key order holds across replicas; rows are also locked `FOR UPDATE SKIP LOCKED`. (Row locks
alone are not enough: a second replica would skip a locked early row and publish a later row of
the same key first.) A row is marked sent only after the broker acknowledged it.

Sent once. When the database fails between the broker's ack and the commit (an outage
mid-round), the relay keeps the acked ids in memory and marks them first thing when the
database answers, retrying every fifth of a second. Every other relay met the same outage, and
after one it lets `settle_s` pass before it claims anything, so the owner marks its rows before
anyone could send them again (tests/faults: a PostgreSQL restart under two replicas re-sent
two events before this). While PostgreSQL stops, every session ends at nearly the same moment:
a relay whose session ended frees its rows, and another relay whose end is still pending could
claim them in that instant and send them a second time. A round therefore checks, by one round
trip after its claim, that its session is still there before it sends anything.

The producer is kept through a database outage and through the broker's (an idempotent
producer retries its unacknowledged batches with their sequence numbers, which the broker
deduplicates); a new one is made only after a broker error it gave up on. What remains is a
relay process that dies between the ack and the commit, or whose connection alone is cut while
the database runs on (its rows are freed only when PostgreSQL notices): its rows are sent
again, and consumers absorb that by deduplicating on the event id.

Writers of events for one key must hold that entity's row lock when they add the event (they do
when they change the entity), so id order equals commit order for a key.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy import BigInteger, DateTime, Index, Integer, LargeBinary, SmallInteger, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_contracts import CloudEvent, EventPayload
from flotilla_runtime.db import Base, create_sessionmaker, session_scope
from flotilla_runtime.kafka import create_producer, start_or_stop
from flotilla_runtime.metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED
from flotilla_runtime.settings import KafkaSettings
from flotilla_runtime.transient import outage

log = structlog.get_logger(__name__)

SLOTS = 64
NOTIFY_CHANNEL = "flotilla_outbox"
_LOCK_NAMESPACE = 0x0F107  # first key of the two-int advisory lock: "outbox relay"


class OutboxRow(Base):
    __tablename__ = "flotilla_outbox"
    __table_args__ = (
        Index("ix_flotilla_outbox_pending", "slot", "id", postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[UUID] = mapped_column(PgUUID(as_uuid=True), unique=True)
    topic: Mapped[str] = mapped_column(String(255))
    key: Mapped[str | None] = mapped_column(String(512))
    slot: Mapped[int] = mapped_column(SmallInteger)
    event_type: Mapped[str] = mapped_column(String(255))
    headers: Mapped[dict[str, str]] = mapped_column(JSONB)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String(1000))


def slot_of(key: str | None) -> int:
    return zlib.crc32(key.encode()) % SLOTS if key else 0


async def add_event(
    session: AsyncSession,
    payload: EventPayload,
    *,
    source: str,
    key: str | None,
    subject: str | None = None,
    event_id: UUID | None = None,
) -> CloudEvent:
    """Queue `payload` as a CloudEvent in the caller's transaction; returns the event."""
    event = CloudEvent.of(payload, source=source, subject=subject, event_id=event_id)
    await add_cloudevent(session, event, topic=payload.topic, key=key)
    return event


def cdevents_topic(session: AsyncSession) -> str | None:
    """Where this service publishes CDEvents (setting CDEVENTS_TOPIC), or None: off."""
    topic = session.info.get("cdevents_topic")
    return topic if isinstance(topic, str) else None


async def add_cdevent(session: AsyncSession, event: CloudEvent, *, key: str | None) -> bool:
    """Queue a CDEvent (flotilla_contracts.cdevents) when the service publishes them; returns
    whether it did. In the caller's transaction, like the change it reports."""
    topic = cdevents_topic(session)
    if topic is None:
        return False
    await add_cloudevent(session, event, topic=topic, key=key)
    return True


async def add_cloudevent(
    session: AsyncSession, event: CloudEvent, *, topic: str, key: str | None
) -> None:
    """Queue an already-built CloudEvent (its id a UUID) for `topic` in the caller's
    transaction: for events that are not Flotilla's own types (CDEvents)."""
    session.add(
        OutboxRow(
            event_id=UUID(event.id),
            topic=topic,
            key=key,
            slot=slot_of(key),
            event_type=event.type,
            headers={k: v.decode() for k, v in event.kafka_headers()},
            value=event.kafka_value(),
        )
    )
    await session.flush()
    # Delivered at commit (and dropped on rollback): wakes the relay without polling.
    await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


class Unacknowledged(KafkaError):  # type: ignore[misc]
    """The broker did not acknowledge some events of a round: they stay pending, retried."""

    retriable = True


class OutboxRelay:
    """Worker that publishes pending outbox rows; safe to run in several replicas."""

    name = "outbox-relay"

    def __init__(
        self,
        engine: AsyncEngine,
        settings: KafkaSettings,
        *,
        client_id: str,
        batch_size: int = 500,
        slots_per_round: int = 16,
        poll_interval_s: float = 1.0,
        max_backoff_s: float = 10.0,
        retention: timedelta = timedelta(days=3),
        settle_s: float = 2.0,
    ) -> None:
        self._engine = engine
        self._sessionmaker = create_sessionmaker(engine)
        self._settings = settings
        self._client_id = client_id
        self._batch_size = batch_size
        self._slots_per_round = slots_per_round
        self._poll_interval_s = poll_interval_s
        self._max_backoff_s = max_backoff_s
        self._retention = retention
        self._wakeup = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        # Rows the broker acknowledged whose `sent_at` did not commit yet (the database failed).
        self._acked: set[int] = set()
        self._settle_s = settle_s
        self._database_failed = False  # the last round failed on the database: settle first

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name=f"{self.name}-listen")
        backoff = 0.0
        try:
            while True:
                # Clear before claiming: a commit that lands during the round wakes the next one.
                self._wakeup.clear()
                try:
                    if await self.publish_pending() == 0:
                        await self._wait_for_work()  # counts what is pending: the database too
                    backoff = 0.0
                except Exception as exc:
                    # Broker or database unreachable: rows stay pending; retry with backoff.
                    if (away := outage(exc)) is None:
                        raise
                    backoff = min(self._max_backoff_s, max(0.2, backoff * 2))
                    log.warning(
                        "outbox_publish_failed",
                        dependency=away,
                        error=repr(exc),
                        retry_in_s=backoff,
                        acked_unmarked=len(self._acked),
                    )
                    if isinstance(exc, KafkaError):
                        # A database error leaves the producer as it is: it keeps its unsent
                        # batches and retries them with their sequence numbers; a new one
                        # would send them again.
                        await self._reset_producer()
                    else:
                        self._database_failed = True
                    await asyncio.sleep(0.2 if self._acked else backoff)
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
            await self._reset_producer()

    async def publish_pending(self) -> int:
        """One round: publish up to one batch from the slots this replica could lock."""
        if self._acked:
            await self._mark_acked()
        if self._database_failed:
            # Back from a database outage: give the relay that owns acked rows the time to
            # mark them before this one may claim their slots.
            async with self._engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            await asyncio.sleep(self._settle_s)
            self._database_failed = False
        producer = await self._ensure_producer()
        acked: list[int] = []
        async with session_scope(self._sessionmaker) as session:
            rows = await self._claim(session)
            if not rows:
                return 0
            await session.execute(text("SELECT 1"))  # still holding the claim ("Sent once")
            futures = [
                await producer.send(
                    row["topic"],
                    value=row["value"],
                    key=row["key"].encode() if row["key"] else None,
                    headers=[(k, v.encode()) for k, v in row["headers"].items()],
                )
                for row in rows
            ]
            results = await asyncio.gather(*futures, return_exceptions=True)
            sent = [
                row["id"]
                for row, r in zip(rows, results, strict=True)
                if not isinstance(r, BaseException)
            ]
            failed = [
                (row["id"], r)
                for row, r in zip(rows, results, strict=True)
                if isinstance(r, BaseException)
            ]
            self._acked.update(sent)
            acked = sent
            if sent:
                await session.execute(
                    text(
                        "UPDATE flotilla_outbox SET sent_at = now(), attempts = attempts + 1 "
                        "WHERE id = ANY(:ids)"
                    ),
                    {"ids": sent},
                )
            for row_id, exc in failed:
                await session.execute(
                    text(
                        "UPDATE flotilla_outbox SET attempts = attempts + 1, last_error = :err "
                        "WHERE id = :id"
                    ),
                    {"id": row_id, "err": repr(exc)[:1000]},
                )
            OUTBOX_PUBLISHED.inc(len(sent))
        self._acked.difference_update(acked)  # committed
        if failed:
            raise Unacknowledged(
                f"{len(failed)} of {len(rows)} events not acknowledged: {failed[0][1]!r}"
            )
        return len(sent)

    async def _mark_acked(self) -> None:
        """Commit `sent_at` for rows the broker acknowledged before the database failed."""
        ids = sorted(self._acked)
        async with session_scope(self._sessionmaker) as session:
            await session.execute(
                text(
                    "UPDATE flotilla_outbox SET sent_at = now(), attempts = attempts + 1 "
                    "WHERE id = ANY(:ids) AND sent_at IS NULL"
                ),
                {"ids": ids},
            )
        self._acked.difference_update(ids)
        log.info("outbox_acked_marked", events=len(ids))

    async def _claim(self, session: AsyncSession) -> list[Any]:
        # Lock the slots first (transaction-scoped, released at commit), then read their rows:
        # the row query's snapshot is taken after the locks, so it sees every earlier relay's
        # committed `sent_at`.
        # At most `slots_per_round` slots, in random order, so replicas share the work. The
        # lock call sits above the ORDER BY/LIMIT subquery: it runs only on the rows pulled.
        slots = (
            (
                await session.execute(
                    text(
                        "SELECT slot FROM (SELECT slot FROM (SELECT DISTINCT slot "
                        "FROM flotilla_outbox WHERE sent_at IS NULL) d ORDER BY random()) r "
                        "WHERE pg_try_advisory_xact_lock(:ns, slot) LIMIT :n"
                    ),
                    {"ns": _LOCK_NAMESPACE, "n": self._slots_per_round},
                )
            )
            .scalars()
            .all()
        )
        if not slots:
            return []
        result = await session.execute(
            text(
                "SELECT id, topic, key, headers, value FROM flotilla_outbox "
                "WHERE sent_at IS NULL AND slot = ANY(:slots) "
                "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
            ),
            {"slots": list(slots), "limit": self._batch_size},
        )
        return list(result.mappings().all())

    async def pending_count(self) -> int:
        async with self._sessionmaker() as session:
            count = await session.scalar(
                text("SELECT count(*) FROM flotilla_outbox WHERE sent_at IS NULL")
            )
        OUTBOX_PENDING.set(count or 0)
        return int(count or 0)

    async def purge_sent(self) -> int:
        """Delete rows sent longer ago than the retention; returns how many."""
        cutoff = datetime.now(UTC) - self._retention
        async with session_scope(self._sessionmaker) as session:
            result = await session.execute(
                text("DELETE FROM flotilla_outbox WHERE sent_at < :cutoff"), {"cutoff": cutoff}
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _wait_for_work(self) -> None:
        try:
            async with asyncio.timeout(self._poll_interval_s):
                await self._wakeup.wait()
        except TimeoutError:
            await self.pending_count()

    async def _listen(self) -> None:
        """LISTEN for commits that added events; the poll interval covers a lost connection."""

        def wake(*_: object) -> None:
            self._wakeup.set()

        while True:
            try:
                # A connection outside any transaction: notifications arrive only between them.
                async with self._engine.connect() as conn:
                    raw = (await conn.get_raw_connection()).driver_connection
                    assert raw is not None
                    closed = asyncio.Event()
                    raw.add_termination_listener(lambda *_, ev=closed: ev.set())
                    await raw.add_listener(NOTIFY_CHANNEL, wake)
                    try:
                        while not raw.is_closed():
                            with contextlib.suppress(TimeoutError):
                                async with asyncio.timeout(self._poll_interval_s * 5):
                                    await closed.wait()
                    finally:
                        if not raw.is_closed():
                            await raw.remove_listener(NOTIFY_CHANNEL, wake)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database restarts: listen again after a pause
                log.info("outbox_listen_retry", error=repr(exc))
            await asyncio.sleep(self._poll_interval_s)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = create_producer(self._settings, client_id=self._client_id)
            await start_or_stop(producer)
            self._producer = producer
        return self._producer

    async def close(self) -> None:
        """Stop the producer (for callers that drive `publish_pending()` themselves)."""
        await self._reset_producer()

    async def _reset_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception as exc:  # stopping a producer whose broker is gone may fail
                log.debug("outbox_producer_stop_failed", error=repr(exc))
