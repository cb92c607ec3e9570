"""The transactional outbox: events leave only on commit, in order per key, never twice."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Any

import asyncpg
import pytest
from aiokafka.errors import KafkaError
from sqlalchemy import event, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from flotilla_runtime.db import create_sessionmaker, session_scope
from flotilla_runtime.outbox import OutboxRelay, OutboxRow, add_event, slot_of
from flotilla_runtime.settings import KafkaSettings

from .conftest import MakeDatabase
from .kafka_helpers import probe_model, read_topic


async def test_add_event_writes_a_pending_row_in_the_callers_transaction(
    db_session: AsyncSession,
) -> None:
    model = probe_model("t")
    event = await add_event(db_session, model(entity="a", seq=1), source="/test", key="a")
    row = (await db_session.execute(select(OutboxRow))).scalar_one()
    assert str(row.event_id) == event.id
    assert row.sent_at is None
    assert row.key == "a"
    assert row.slot == slot_of("a")
    assert row.headers["ce_type"] == "io.flotilla.test.probe"
    assert row.headers["ce_source"] == "/test"


async def test_rolled_back_transaction_leaves_no_event(make_database: MakeDatabase) -> None:
    engine = await make_database("outbox_rollback")
    sessions = create_sessionmaker(engine)
    model = probe_model("t")

    class Boom(Exception):
        pass

    try:
        async with session_scope(sessions) as session:
            await add_event(session, model(entity="a", seq=1), source="/test", key="a")
            raise Boom
    except Boom:
        pass
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxRow)) == 0


async def write_events(engine: AsyncEngine, topic: str, *, entities: int, per_entity: int) -> None:
    model = probe_model(topic)
    async with session_scope(create_sessionmaker(engine)) as session:
        for seq in range(per_entity):
            for e in range(entities):
                await add_event(session, model(entity=f"e{e}", seq=seq), source="/t", key=f"e{e}")


def assert_in_order_per_key(events: list[tuple[str, int]]) -> None:
    last: dict[str, int] = defaultdict(lambda: -1)
    for entity, seq in events:
        assert seq == last[entity] + 1, f"{entity}: {seq} after {last[entity]}"
        last[entity] = seq


async def test_two_relays_publish_every_event_once_in_order_per_key(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await make_database("outbox_two_relays")
    await write_events(engine, topic, entities=20, per_entity=30)  # 600 events
    relays = [
        OutboxRelay(
            engine, kafka_settings, client_id=f"relay-{i}", batch_size=40, slots_per_round=4
        )
        for i in range(2)
    ]

    async def drain(relay: OutboxRelay) -> int:
        total = 0
        while await relay.pending_count():
            total += await relay.publish_pending()
        return total

    try:
        counts = await asyncio.gather(*(drain(r) for r in relays))
    finally:
        for relay in relays:
            await relay.close()
    assert sum(counts) == 600
    assert all(c > 0 for c in counts), f"both replicas should have worked: {counts}"

    events = await read_topic(kafka_settings.kafka_bootstrap_servers, topic, count=600)
    ids = Counter(e.id for e in events)
    assert len(ids) == 600
    assert max(ids.values()) == 1, "an event was published twice"
    # Kafka keeps order per partition, and a key always maps to one partition.
    assert_in_order_per_key([(e.data["entity"], e.data["seq"]) for e in events])


async def test_relay_worker_publishes_soon_after_commit(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await make_database("outbox_worker")
    relay = OutboxRelay(engine, kafka_settings, client_id="relay-w", poll_interval_s=30)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.5)  # the relay is idle, waiting for a notification
        await write_events(engine, topic, entities=1, per_entity=5)
        # With a 30 s poll interval only the commit's NOTIFY can wake it this fast.
        events = await read_topic(
            kafka_settings.kafka_bootstrap_servers, topic, count=5, timeout_s=10
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [e.data["seq"] for e in events] == [0, 1, 2, 3, 4]
    async with engine.connect() as conn:
        pending = await conn.scalar(
            text("SELECT count(*) FROM flotilla_outbox WHERE sent_at IS NULL")
        )
    assert pending == 0


async def test_a_database_failure_after_the_ack_sends_nothing_twice(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    """The broker acknowledged a round, then the database failed before `sent_at` committed
    (the connection is lost at that UPDATE, once): the relay marks those rows when the
    database answers again instead of publishing them a second time."""
    engine = await make_database("outbox_ack_then_outage")
    await write_events(engine, topic, entities=3, per_entity=4)  # 12 events
    failed: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def lose_the_connection(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE flotilla_outbox SET sent_at") and not failed:
            failed.append(statement)
            raise sa_exc.OperationalError(
                statement, {}, asyncpg.ConnectionDoesNotExistError("connection lost (test)")
            )

    relay = OutboxRelay(engine, kafka_settings, client_id="relay-ack", settle_s=0.1)
    task = asyncio.create_task(relay.run())
    try:
        events = await read_topic(
            kafka_settings.kafka_bootstrap_servers, topic, count=12, timeout_s=15
        )
        for _ in range(50):  # until every row is marked
            if not await relay.pending_count():
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert failed, "the database failure was not met"
    ids = Counter(e.id for e in events)
    assert len(ids) == 12
    assert max(ids.values()) == 1, f"published twice: {[i for i, n in ids.items() if n > 1]}"
    assert await relay.pending_count() == 0


class RefusingProducer:
    """The broker's side of one round, as the relay sees it: it acknowledges the records of
    some keys and fails the others (a batch that expired, a partition leader that went)."""

    def __init__(self, refuse_keys: set[bytes]) -> None:
        self.refuse = refuse_keys
        self.sent: list[bytes | None] = []

    async def send(self, topic: str, *, value: bytes, key: bytes | None, headers: Any) -> Any:
        self.sent.append(key)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if key in self.refuse:
            future.set_exception(TimeoutError("batch expired (test)"))
        else:
            future.set_result(None)
        return future


async def test_an_event_the_broker_did_not_acknowledge_stays_to_be_sent(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    """Only what the broker acknowledged is marked sent: the rest stays pending, with its
    error, and goes in a later round (the broker's acknowledgement is the only proof of
    delivery; the fault suite's broker outages never get as far as a failed one)."""
    engine = await make_database("outbox_refused")
    await write_events(engine, topic, entities=2, per_entity=3)  # keys e0, e1
    relay = OutboxRelay(engine, kafka_settings, client_id="relay-refused")
    relay._producer = RefusingProducer({b"e1"})
    with pytest.raises(KafkaError, match="3 of 6 events not acknowledged"):
        await relay.publish_pending()
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT key, sent_at IS NOT NULL, last_error FROM flotilla_outbox ORDER BY id")
            )
        ).all()
    assert [(key, sent) for key, sent, _ in rows] == [
        ("e0", True),
        ("e1", False),
        ("e0", True),
        ("e1", False),
        ("e0", True),
        ("e1", False),
    ]
    assert all("batch expired" in (error or "") for key, _, error in rows if key == "e1")
    relay._producer = RefusingProducer(set())
    assert await relay.publish_pending() == 3  # the three left, in a later round
    assert await relay.pending_count() == 0


class ClaimThenLoseTheSession(OutboxRelay):
    """A relay whose database session ends just after its claim, as every session does when
    PostgreSQL stops: the rows' locks go with it, and another relay may claim them at once."""

    async def _claim(self, session: AsyncSession) -> list[Any]:
        rows = await super()._claim(session)
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        async with self._engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        return rows


async def test_a_claim_whose_session_ended_sends_nothing(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    """Rows whose claim was lost with its session are not sent by that relay: another one may
    already have them (the fault suite's PostgreSQL stop once had both replicas publish the
    same event). They stay pending and go once, in a later round."""
    engine = await make_database("outbox_lost_claim")
    await write_events(engine, topic, entities=2, per_entity=2)
    relay = ClaimThenLoseTheSession(engine, kafka_settings, client_id="relay-lost")
    producer = RefusingProducer(set())
    relay._producer = producer
    with pytest.raises(sa_exc.DBAPIError):
        await relay.publish_pending()
    assert producer.sent == []
    assert relay._acked == set()
    again = OutboxRelay(engine, kafka_settings, client_id="relay-again")
    again._producer = producer
    assert await again.publish_pending() == 4
    assert len(producer.sent) == 4
    assert await again.pending_count() == 0
