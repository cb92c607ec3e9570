"""Notifications: events on Kafka → signed webhook deliveries at many subscriptions.

One run against the same PostgreSQL, Apache Kafka and a webhook receiver on loopback:
1. baseline: the same number of signed POSTs sent straight to the receiver by one client at
   the sender's concurrency (what the receiver and HTTP alone cost);
2. notifications: `--subscriptions` webhook subscriptions to one app (1,000; --quick: 100),
   then `--events` release.failed events for it on Kafka; every event becomes one delivery
   per subscription. Trigger → delivery latency is each request's arrival at the receiver
   minus its event's publication.
Prints one JSON line last: deliveries, deliveries_per_s, p50/p99 trigger-to-delivery in ms,
and the baseline's requests/s.
Usage: uv run python bench/notify.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import replace
from typing import Any

import httpx
from _stack import components, percentile, report
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

import monitor_gateway.main as monitor_main
from flotilla_contracts import CloudEvent, topics
from flotilla_contracts.enums import Role, RolloutPhase
from flotilla_contracts.events import ReleaseFailedV1
from flotilla_devstack.databases import create_database
from flotilla_devstack.receivers import HttpReceiver
from flotilla_runtime.app import Resources
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings, KafkaSettings
from monitor_gateway.notify.senders import sign
from monitor_gateway.settings import Settings

AUTH = AuthSettings()
ADMIN = {"Authorization": "Bearer " + mint_token(AUTH, subject="bench", roles=[Role.ADMIN])}
SECRET = "bench-secret-0123456789"
CONCURRENCY = 64


async def baseline(receiver: HttpReceiver, count: int) -> float:
    body = json.dumps({"trigger": "release.failed", "summary": "x" * 200}).encode()
    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=30) as http:

        async def one(n: int) -> None:
            async with limit:
                headers = {"Flotilla-Signature": sign(SECRET, body, int(time.time()))}
                r = await http.post(receiver.url(f"/base/{n}"), content=body, headers=headers)
                r.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return count / (time.perf_counter() - started)


async def notifications(
    url: str, bootstrap: str, subscriptions: int, events: int
) -> dict[str, Any]:
    receiver = HttpReceiver()
    receiver.start()
    base_rps = await baseline(receiver, subscriptions * events)

    def workers(resources: Resources) -> Any:
        nowhere = "http://127.0.0.1:9"
        return monitor_main.build_workers(
            resources,
            registry=httpx.AsyncClient(base_url=nowhere),
            release_api=httpx.AsyncClient(base_url=nowhere),
        )

    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=bootstrap,
        service_token=SecretStr(mint_token(AUTH, subject="monitor-gateway", service=True)),
        logs_ingest=False,
        logs_topic="bench.unused",
        notify_concurrency=CONCURRENCY,
        dev_mode=True,
    )
    app = monitor_main.create_app(settings, spec=replace(monitor_main.SPEC, workers=workers))
    published: dict[str, float] = {}
    async with LifespanManager(app, startup_timeout=60) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://m", timeout=60
        ) as http:
            for n in range(subscriptions):
                r = await http.post(
                    "/v1/notifications/subscriptions",
                    headers=ADMIN,
                    json={
                        "name": f"bench {n}",
                        "scope": {"kind": "app", "name": "bench"},
                        "triggers": ["release.failed"],
                        "destination": {
                            "kind": "webhook",
                            "url": receiver.url(f"/hook/{n}"),
                            "secret": SECRET,
                        },
                    },
                )
                r.raise_for_status()
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
            await producer.start()
            started = time.perf_counter()
            try:
                for _ in range(events):
                    release = uuid.uuid4()
                    payload = ReleaseFailedV1(
                        release_id=release,
                        app="bench",
                        env="prod",
                        image="bench:1",
                        clusters={"idc-a-1": RolloutPhase.ROLLED_BACK},
                        errors={"idc-a-1": "pods cannot start"},
                    )
                    event = CloudEvent.of(payload, source="/flotilla/bench")
                    await producer.send_and_wait(
                        topics.RELEASES,
                        event.kafka_value(),
                        key=b"bench",
                        headers=event.kafka_headers(),
                    )
                    published[str(release)] = time.monotonic()
            finally:
                await producer.stop()
            wanted = subscriptions * events
            deadline = time.monotonic() + 600
            while len(receiver.by_path("/hook")) < wanted:
                if time.monotonic() > deadline:
                    raise SystemExit(f"only {len(receiver.by_path('/hook'))} of {wanted} arrived")
                await asyncio.sleep(0.2)
            took = time.perf_counter() - started
    receiver.stop()
    latencies = sorted(
        (r.at - published[json.loads(r.body)["about"]]) * 1000 for r in receiver.by_path("/hook")
    )
    return {
        "subscriptions": subscriptions,
        "events": events,
        "deliveries": len(latencies),
        "deliveries_per_s": round(len(latencies) / took, 1),
        "trigger_to_delivery_ms_p50": round(percentile(latencies, 50), 1),
        "trigger_to_delivery_ms_p99": round(percentile(latencies, 99), 1),
        "baseline_requests_per_s": round(base_rps, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--subscriptions", type=int)
    parser.add_argument("--events", type=int)
    args = parser.parse_args()
    subscriptions = args.subscriptions or (100 if args.quick else 1000)
    events = args.events or (5 if args.quick else 10)
    with components() as c:
        await ensure_topics(KafkaSettings(kafka_bootstrap_servers=c.kafka_bootstrap), topics.ALL)
        url = await create_database(c.postgres_url, "bench_notify", recreate=True)
        await upgrade_async(url, monitor_main.MIGRATIONS)
        report(await notifications(url, c.kafka_bootstrap, subscriptions, events))


if __name__ == "__main__":
    asyncio.run(main())
