"""The vendored CDEvents 0.5.1 schemas (tests/vendor/cdevents-0.5.1) as a consumer holds
them: a JSON Schema 2020-12 validator per event type, links resolved from the same files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

VENDOR = Path(__file__).resolve().parent / "vendor" / "cdevents-0.5.1"


@cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    resources = []
    by_type: dict[str, dict[str, Any]] = {}
    for path in sorted(VENDOR.rglob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        kinds = schema.get("properties", {}).get("context", {}).get("properties", {})
        for kind in kinds.get("type", {}).get("enum", []):
            by_type[kind] = schema
    return Registry().with_resources(resources), by_type


def errors(event: dict[str, Any]) -> list[str]:
    """What the CDEvents schema of the event's `context.type` says is wrong with it."""
    registry, by_type = _registry()
    kind = event.get("context", {}).get("type")
    if kind not in by_type:
        return [f"no CDEvents 0.5.1 schema for type {kind!r}"]
    validator = Draft202012Validator(
        by_type[kind], registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(event)]


async def invalid_in_topic(bootstrap: str, topic: str) -> tuple[int, list[str]]:
    """Every record of `topic` so far, checked: (how many, what was wrong with which)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    from flotilla_contracts import from_kafka

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    if not partitions:
        return 0, [f"topic {topic} has no partitions"]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        seen, wrong = 0, []

        async def behind() -> bool:
            return any([await consumer.position(p) < ends[p] for p in partitions])

        while await behind():
            batch = await consumer.getmany(timeout_ms=1000)
            for record in (r for records in batch.values() for r in records):
                seen += 1
                event = from_kafka(record.headers, record.value)
                wrong += [f"{event.type} {event.id}: {e}" for e in errors(event.data)]
        return seen, wrong
    finally:
        await consumer.stop()
