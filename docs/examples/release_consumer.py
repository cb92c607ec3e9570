"""React to Flotilla's successful releases: needs only `flotilla-contracts` and `aiokafka`.

KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:19092 python release_consumer.py
"""

import asyncio
import os

from aiokafka import AIOKafkaConsumer

from flotilla_contracts import NotACloudEvent, from_kafka, topics
from flotilla_contracts.events import ReleaseSucceededV1


async def main() -> None:
    consumer = AIOKafkaConsumer(
        topics.RELEASES,
        bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092"),
        group_id=os.environ.get("GROUP_ID", "release-consumer-example"),
        auto_offset_reset="earliest",  # a new group starts from what the topic still holds
    )
    await consumer.start()
    seen: set[str] = set()  # delivery is at least once: skip an event id already handled
    try:
        async for record in consumer:
            try:
                event = from_kafka(record.headers, record.value)
            except NotACloudEvent:
                continue
            if event.type != ReleaseSucceededV1.event_type or event.id in seen:
                continue
            seen.add(event.id)
            done = ReleaseSucceededV1.model_validate(event.data)
            clusters = ", ".join(sorted(done.clusters))
            print(f"{done.app} {done.image} is live in {done.env} ({clusters})", flush=True)
    finally:
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(main())
