"""Outbox latency: commit of a business transaction → receipt by a Kafka consumer.

Phases, all in one run against the same PostgreSQL and Apache Kafka:
1. baseline: a plain producer `send_and_wait` → the same consumer (what Kafka alone costs);
2. latency: events committed one per transaction at a steady rate; each event's latency is
   its receipt time minus the moment its commit returned;
3. throughput: a burst written in transactions of 100; events/s from the first commit to the
   last receipt.
Prints one JSON line last: p50_ms, p99_ms, events_per_s, and the baseline figures.
Usage: uv run python bench/outbox_latency.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import ClassVar

from _stack import components, percentile, report
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import create_async_engine

from flotilla_contracts import CloudEvent, EventPayload, from_kafka
from flotilla_devstack.databases import create_database
from flotilla_runtime import consumer as _consumer  # noqa: F401  (runtime tables)
from flotilla_runtime.db import Base, create_sessionmaker, session_scope
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.migrations import RUNTIME_TABLES
from flotilla_runtime.outbox import OutboxRelay, add_event
from flotilla_runtime.settings import KafkaSettings

TOPIC = "bench.outbox"


class BenchEventV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.bench.tick"
    topic: ClassVar[str] = TOPIC
    n: int


class Receiver:
    """Consumes TOPIC and stamps the receipt time of every event id."""

    def __init__(self, bootstrap: str) -> None:
        self.received: dict[str, float] = {}
        self.consumer = AIOKafkaConsumer(
            TOPIC,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="latest",
            fetch_max_wait_ms=5,
        )

    async def run(self) -> None:
        async for record in self.consumer:
            event = from_kafka(record.headers, record.value)
            self.received.setdefault(event.id, time.perf_counter())

    async def wait_for(self, ids: set[str], timeout_s: float = 60) -> None:
        deadline = time.perf_counter() + timeout_s
        while not ids <= self.received.keys():
            if time.perf_counter() > deadline:
                missing = len(ids - self.received.keys())
                raise TimeoutError(f"{missing} of {len(ids)} events not received")
            await asyncio.sleep(0.005)


async def main(quick: bool) -> None:
    latency_events = 200 if quick else 2000
    burst_events = 2000 if quick else 20000
    rate_per_s = 200
    with components() as c:
        settings = KafkaSettings(kafka_bootstrap_servers=c.kafka_bootstrap)
        await ensure_topics(settings, [TOPIC], partitions=3)
        url = await create_database(c.postgres_url, "bench_outbox")
        engine = create_async_engine(url, pool_size=10)
        async with engine.begin() as conn:
            await conn.run_sync(
                Base.metadata.create_all, tables=[Base.metadata.tables[t] for t in RUNTIME_TABLES]
            )
        receiver = Receiver(c.kafka_bootstrap)
        await receiver.consumer.start()
        await asyncio.sleep(1.0)  # partitions assigned, positioned at the end
        receive_task = asyncio.create_task(receiver.run())
        relay = OutboxRelay(engine, settings, client_id="bench-relay")
        relay_task = asyncio.create_task(relay.run())
        try:
            baseline = await baseline_latencies(
                c.kafka_bootstrap, receiver, latency_events // 2, rate_per_s
            )
            sessions = create_sessionmaker(engine)
            committed: dict[str, float] = {}
            for n in range(latency_events):
                async with session_scope(sessions) as session:
                    event = await add_event(
                        session, BenchEventV1(n=n), source="/bench", key=f"k{n % 16}"
                    )
                committed[event.id] = time.perf_counter()
                await asyncio.sleep(1 / rate_per_s)
            await receiver.wait_for(set(committed))
            latencies = [(receiver.received[i] - t) * 1000 for i, t in committed.items()]

            burst: list[str] = []
            start = time.perf_counter()
            for b in range(burst_events // 100):
                async with session_scope(sessions) as session:
                    for j in range(100):
                        event = await add_event(
                            session, BenchEventV1(n=b * 100 + j), source="/bench", key=f"k{j % 16}"
                        )
                        burst.append(event.id)
            await receiver.wait_for(set(burst), timeout_s=300)
            elapsed = max(receiver.received[i] for i in burst) - start
        finally:
            for task in (relay_task, receive_task):
                task.cancel()
            await asyncio.gather(relay_task, receive_task, return_exceptions=True)
            await receiver.consumer.stop()
            await engine.dispose()
    report(
        {
            "benchmark": "outbox_latency",
            "quick": quick,
            "events": latency_events,
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "events_per_s": round(burst_events / elapsed, 1),
            "burst_events": burst_events,
            "baseline_kafka_p50_ms": round(percentile(baseline, 50), 2),
            "baseline_kafka_p99_ms": round(percentile(baseline, 99), 2),
        }
    )


async def baseline_latencies(
    bootstrap: str, receiver: Receiver, count: int, rate_per_s: int
) -> list[float]:
    """Kafka alone: send_and_wait with the same producer settings, received by the same consumer."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )
    await producer.start()
    sent: dict[str, float] = {}
    try:
        for n in range(count):
            event = CloudEvent.of(BenchEventV1(n=n), source="/bench", event_id=uuid.uuid4())
            start = time.perf_counter()
            await producer.send_and_wait(
                TOPIC, event.kafka_value(), key=f"k{n % 16}".encode(), headers=event.kafka_headers()
            )
            sent[event.id] = start
            await asyncio.sleep(1 / rate_per_s)
    finally:
        await producer.stop()
    await receiver.wait_for(set(sent))
    return [(receiver.received[i] - t) * 1000 for i, t in sent.items()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (< 60 s on 2 cores)")
    asyncio.run(main(parser.parse_args().quick))
