"""Every event of the stack's outboxes against what the broker holds: none lost, none twice,
each key in its outbox order (the fault suite's event check).

Order is checked per key and per source (the CloudEvent `source`): one writer's events of a
key must reach the topic in the order of their outbox ids. Two writers of one key are
independent (k8s-sync's two ingress instances report the same app and cluster, each its own
source), so their events may interleave either way; release-api writes a release's events one
transaction at a time (release_api.releases.events), so its ids are its commit order.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from flotilla_devstack.databases import with_database
from flotilla_devstack.stack import SERVICES, LocalStack


@dataclass
class EventLedger:
    """Every event of the stack's outboxes against what the broker holds."""

    published: int = 0
    pending: int = 0
    duplicated: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)  # keys


async def event_ledger(stack: LocalStack, *, drain_s: float = 60) -> EventLedger:
    """Every service's outbox against the broker: waits up to `drain_s` for the outboxes to be
    published, then reads every topic from its beginning."""
    assert stack.postgres is not None
    assert stack.broker is not None
    rows: list[tuple[str, str | None, str, str]] = []  # (topic, key, source, event id)
    deadline = time.monotonic() + drain_s
    pending = 0
    for service in SERVICES:
        url = with_database(stack.postgres.url(driver=""), service.database)
        conn = await asyncpg.connect(url)
        try:
            while True:
                pending = await conn.fetchval(
                    "SELECT count(*) FROM flotilla_outbox WHERE sent_at IS NULL"
                )
                if not pending or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            if pending:
                break
            rows += [
                (r["topic"], r["key"], r["source"], str(r["event_id"]))
                for r in await conn.fetch(
                    "SELECT topic, key, headers->>'ce_source' AS source, event_id "
                    "FROM flotilla_outbox ORDER BY id"
                )
            ]
        finally:
            await conn.close()
    ledger = EventLedger(pending=pending)
    if pending:
        return ledger
    in_kafka = await _read_topics(stack.broker.bootstrap, sorted({r[0] for r in rows}))
    counts = Counter(event_id for _, _, event_id in in_kafka)
    ledger.published = len(in_kafka)
    ledger.duplicated = sorted(i for i, n in counts.items() if n > 1)
    ledger.lost = [event_id for *_, event_id in rows if event_id not in counts]
    # Per key and writer: the broker's order (one partition per key) against the outbox's.
    kafka_order: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for topic, key, event_id in in_kafka:
        kafka_order[(topic, key)].append(event_id)
    outbox_order: dict[tuple[str, str | None, str], list[str]] = defaultdict(list)
    for topic, key, source, event_id in rows:
        outbox_order[(topic, key, source)].append(event_id)
    for (topic, key, source), ids in outbox_order.items():
        wanted = set(ids)
        seen = [i for i in dict.fromkeys(kafka_order.get((topic, key), [])) if i in wanted]
        if seen != ids:
            ledger.out_of_order.append(f"{topic}/{key} from {source}")
    return ledger


async def _read_topics(bootstrap: str, names: list[str]) -> list[tuple[str, str | None, str]]:
    """(topic, key, ce_id) of every record, per partition in offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    out: list[tuple[str, str | None, str]] = []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # every topic an outbox wrote to (Flotilla's own, and CDEvents when they are on)
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    try:
        partitions = [
            TopicPartition(topic["topic"], p["partition"])
            for topic in described
            for p in sorted(topic["partitions"], key=lambda p: int(p["partition"]))
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        by_partition: dict[TopicPartition, list[tuple[str, str | None, str]]] = defaultdict(list)
        deadline = time.monotonic() + 60
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            assert time.monotonic() < deadline, "reading the topics took over 60 s"
            batches = await consumer.getmany(timeout_ms=500)
            for tp, records in batches.items():
                for record in records:
                    headers = dict(record.headers or ())
                    event_id = headers.get("ce_id", b"").decode()
                    key = record.key.decode() if record.key else None
                    by_partition[tp].append((tp.topic, key, event_id))
        for tp in partitions:
            out += by_partition[tp]
    finally:
        await consumer.stop()
    return out
