"""The consumer runner: exactly-once effects over at-least-once delivery, poison isolated."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from flotilla_contracts import CloudEvent
from flotilla_runtime.consumer import EventConsumer, PoisonRecord
from flotilla_runtime.settings import KafkaSettings

from .conftest import MakeDatabase
from .kafka_helpers import probe_model


async def produce(settings: KafkaSettings, topic: str, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                topic, event.kafka_value(), key=b"k", headers=event.kafka_headers()
            )
    finally:
        await producer.stop()


async def handled(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(text("SELECT event_id FROM handled ORDER BY n"))).scalars())


async def run_until(
    consumer: EventConsumer, engine: AsyncEngine, rows: int, timeout_s: float = 20
) -> None:
    """Run the consumer until `rows` handled rows are committed."""
    task = asyncio.create_task(consumer.run())
    try:
        async with asyncio.timeout(timeout_s):
            while True:
                if len(await handled(engine)) >= rows:
                    break
                await asyncio.sleep(0.1)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def setup(make_database: MakeDatabase, name: str) -> AsyncEngine:
    engine = await make_database(name)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE handled (n bigserial PRIMARY KEY, event_id text)"))
    return engine


async def test_redelivered_events_are_handled_once(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await setup(make_database, "consumer_dedupe")
    model = probe_model(topic)
    events = [CloudEvent.of(model(entity="a", seq=i), source="/t") for i in range(5)]
    # The same events twice, as a producer retry or relay crash would deliver them.
    await produce(kafka_settings, topic, events + events)

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(text("INSERT INTO handled (event_id) VALUES (:id)"), {"id": event.id})

    consumer = EventConsumer(
        name="dedupe",
        topics=[topic],
        group_id="g-dedupe",
        handler=handler,
        engine=engine,
        settings=kafka_settings,
    )
    await run_until(consumer, engine, 5)
    assert await handled(engine) == [e.id for e in events]

    # A second consumer of the same group starts after the commit: nothing is re-read.
    again = asyncio.Event()

    async def must_not_run(session: AsyncSession, event: CloudEvent) -> None:
        again.set()

    second = EventConsumer(
        name="dedupe",
        topics=[topic],
        group_id="g-dedupe",
        handler=must_not_run,
        engine=engine,
        settings=kafka_settings,
    )
    task = asyncio.create_task(second.run())
    await asyncio.sleep(4)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not again.is_set()


async def test_a_failing_batch_rolls_back_and_the_poison_record_is_dead_lettered(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await setup(make_database, "consumer_poison")
    model = probe_model(topic)
    events = [CloudEvent.of(model(entity="a", seq=i), source="/t") for i in range(4)]
    await produce(kafka_settings, topic, events)

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(text("INSERT INTO handled (event_id) VALUES (:id)"), {"id": event.id})
        if event.data["seq"] == 2:
            raise PoisonRecord("seq 2 can never be handled")

    consumer = EventConsumer(
        name="poison",
        topics=[topic],
        group_id="g-poison",
        handler=handler,
        engine=engine,
        settings=kafka_settings,
        max_attempts=2,
        max_backoff_s=0.1,
    )
    await run_until(consumer, engine, 3)
    # The failed record's insert was rolled back with it; the others stand once each.
    assert await handled(engine) == [events[0].id, events[1].id, events[3].id]
    async with engine.connect() as conn:
        dead = (
            await conn.execute(text('SELECT consumer, "offset", error FROM flotilla_dead_letters'))
        ).all()
    assert len(dead) == 1
    assert dead[0].consumer == "poison"
    assert "seq 2 can never be handled" in dead[0].error


async def test_a_record_that_is_not_a_cloudevent_is_dead_lettered(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await setup(make_database, "consumer_garbage")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"not json", key=b"k")
    finally:
        await producer.stop()
    model = probe_model(topic)
    good = CloudEvent.of(model(entity="a", seq=0), source="/t")
    await produce(kafka_settings, topic, [good])

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(text("INSERT INTO handled (event_id) VALUES (:id)"), {"id": event.id})

    consumer = EventConsumer(
        name="garbage",
        topics=[topic],
        group_id="g-garbage",
        handler=handler,
        engine=engine,
        settings=kafka_settings,
        max_attempts=1,
        max_backoff_s=0.1,
    )
    await run_until(consumer, engine, 1)
    assert await handled(engine) == [good.id]
    async with engine.connect() as conn:
        errors = (
            (await conn.execute(text("SELECT error FROM flotilla_dead_letters"))).scalars().all()
        )
    assert len(errors) == 1
    assert "missing headers" in errors[0]
