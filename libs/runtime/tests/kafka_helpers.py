"""Reading a test topic back, and a payload model bound to it."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from aiokafka import AIOKafkaConsumer

from flotilla_contracts import CloudEvent, EventPayload, from_kafka


def probe_model(topic_name: str) -> type[ProbeBase]:
    """An event payload published on `topic_name` (each test gets its own topic)."""

    class ProbeV1(ProbeBase):
        topic: ClassVar[str] = topic_name

    return ProbeV1


class ProbeBase(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.test.probe"
    topic: ClassVar[str] = "unset"

    entity: str
    seq: int


async def read_topic(
    bootstrap: str, topic: str, *, count: int, timeout_s: float = 30.0
) -> list[CloudEvent]:
    """Every event on `topic` from the beginning, stopping at `count` or after the timeout.

    Keeps reading for a short grace period after `count` so duplicates show up too.
    """
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    events: list[CloudEvent] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        grace_until: float | None = None
        while loop.time() < (grace_until or deadline):
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                events += [from_kafka(r.headers, r.value) for r in records]
            if len(events) >= count and grace_until is None:
                grace_until = loop.time() + 0.5
    finally:
        await consumer.stop()
    return events
