"""The broker dies for 10 s while 1,000 events go through the outbox: none lost, none doubled —
not only as the deduplicating consumer sees them, but in the topic itself."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from flotilla_contracts import CloudEvent
from flotilla_devstack.kafka import KafkaBroker
from flotilla_runtime.consumer import EventConsumer
from flotilla_runtime.db import create_sessionmaker, session_scope
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.outbox import OutboxRelay, add_event
from flotilla_runtime.settings import KafkaSettings

from .conftest import MakeDatabase
from .kafka_helpers import probe_model, read_topic

pytestmark = pytest.mark.integration

TOPIC = "test.outbox.faults"
EVENTS = 1000
ENTITIES = 25
OUTAGE_S = 10.0


@pytest.fixture
def own_broker(tmp_path: Path, flotilla_cache_dir: Path) -> Iterator[KafkaBroker]:
    """A broker of this test alone: it will be killed."""
    broker = KafkaBroker(tmp_path / "kafka", cache_dir=flotilla_cache_dir)
    broker.start()
    yield broker
    broker.stop()


async def record_receipt(session: AsyncSession, event: CloudEvent) -> None:
    await session.execute(
        text("INSERT INTO received (event_id, entity, seq) VALUES (:id, :entity, :seq)"),
        {"id": event.id, "entity": event.data["entity"], "seq": event.data["seq"]},
    )


async def writer(engine: AsyncEngine, written: list[str]) -> None:
    """1,000 events in 100 transactions of 10, spread over about 15 s."""
    model = probe_model(TOPIC)
    sessions = create_sessionmaker(engine)
    for batch in range(EVENTS // 10):
        async with session_scope(sessions) as session:
            for i in range(10):
                n = batch * 10 + i
                entity = f"e{n % ENTITIES}"
                event = await add_event(
                    session, model(entity=entity, seq=n // ENTITIES), source="/t", key=entity
                )
                written.append(event.id)
        await asyncio.sleep(0.15)


async def test_broker_outage_loses_and_duplicates_nothing(
    make_database: MakeDatabase, own_broker: KafkaBroker
) -> None:
    engine = await make_database("outbox_faults")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE received (n bigserial PRIMARY KEY, event_id text NOT NULL, "
                "entity text NOT NULL, seq int NOT NULL)"
            )
        )
    settings = KafkaSettings(
        kafka_bootstrap_servers=own_broker.bootstrap, kafka_request_timeout_ms=3000
    )
    await ensure_topics(settings, [TOPIC], partitions=3)
    relay = OutboxRelay(engine, settings, client_id="fault-relay", max_backoff_s=1.0)
    consumer = EventConsumer(
        name="fault-consumer",
        topics=[TOPIC],
        group_id="fault-consumer",
        handler=record_receipt,
        engine=engine,
        settings=settings,
        max_backoff_s=1.0,
    )
    workers = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    written: list[str] = []
    try:
        write = asyncio.create_task(writer(engine, written))
        await asyncio.sleep(3)
        own_broker.kill()  # SIGKILL: no clean shutdown, in-flight requests are lost
        await asyncio.sleep(OUTAGE_S)
        during_outage = len(written)
        await asyncio.to_thread(own_broker.start)  # same data directory and ports
        await write
        received = await wait_for_rows(engine, EVENTS, timeout_s=120)
        in_topic = await read_topic(own_broker.bootstrap, TOPIC, count=EVENTS, timeout_s=30)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    assert during_outage > 300, "the outage must overlap the writes"
    assert len(written) == EVENTS
    ids = [r[0] for r in received]
    assert len(ids) == EVENTS, f"received {len(ids)} of {EVENTS}"
    assert len(set(ids)) == EVENTS, "an event was handled twice"
    assert set(ids) == set(written)
    copies = Counter(e.id for e in in_topic)
    assert len(copies) == EVENTS
    assert max(copies.values()) == 1, "the relay published an event twice"
    # Order per key survived the outage and the retries.
    last: dict[str, int] = {}
    for _, entity, seq in received:
        assert seq == last.get(entity, -1) + 1, f"{entity}: {seq} after {last.get(entity)}"
        last[entity] = seq


async def wait_for_rows(
    engine: AsyncEngine, count: int, *, timeout_s: float
) -> list[tuple[str, str, int]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        async with engine.connect() as conn:
            n = await conn.scalar(text("SELECT count(*) FROM received"))
            if n >= count or loop.time() > deadline:
                await asyncio.sleep(1.0)  # let late duplicates arrive before judging
                rows = await conn.execute(
                    text("SELECT event_id, entity, seq FROM received ORDER BY n")
                )
                return [(r[0], r[1], r[2]) for r in rows]
        await asyncio.sleep(0.25)
