"""Notifications end to end: events on the real Kafka → monitor-gateway (in-process, real
PostgreSQL) → a webhook receiver, a Slack-compatible one and an SMTP server on loopback.
Every trigger arrives once across a 10 s receiver outage and a restart of the notifier,
signed; a destination that takes 20 s to answer does not delay another; what the policy
refuses is refused; a message that cannot be delivered ends dead and can be sent again."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

import monitor_gateway.main as monitor_main
from flotilla_contracts import CloudEvent
from flotilla_contracts.enums import (
    AlertReason,
    AlertSeverity,
    ClusterStatus,
    Role,
    RolloutPhase,
    Strategy,
)
from flotilla_contracts.events import (
    AlertFiredV1,
    AlertResolvedV1,
    ClusterStatusChangedV1,
    EventPayload,
    ReleaseCreatedV1,
    ReleaseFailedV1,
    ReleasePartiallyFailedV1,
    ReleaseRolledBackV1,
    ReleaseSucceededV1,
    ReleaseWaitingApprovalV1,
)
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_devstack.receivers import HttpReceiver, SmtpReceiver
from flotilla_runtime.app import Resources
from flotilla_runtime.auth import mint_token
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings
from monitor_gateway.notify.senders import SIGNATURE_HEADER, verify
from monitor_gateway.notify.triggers import Trigger
from monitor_gateway.settings import Settings

pytestmark = pytest.mark.integration
AUTH = AuthSettings()
ADMIN = {"Authorization": "Bearer " + mint_token(AUTH, subject="ops", roles=[Role.ADMIN])}
SECRET = "a-long-shared-secret-for-tests"
AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
ALL_RELEASE = [t.value for t in Trigger if t.value.startswith("release.")]

Start = Callable[..., Any]


@pytest.fixture
async def monitor_at(postgres_url: str, kafka_bootstrap: str) -> Callable[..., Any]:
    """`monitor_at(**settings)`: an async context manager running monitor-gateway on one
    database (the same one each time it is entered: a restart)."""
    suffix = uuid.uuid4().hex[:8]
    url = await fresh_database(postgres_url, f"notify_{suffix}")
    await upgrade_async(url, monitor_main.MIGRATIONS)

    def workers(resources: Resources) -> Any:
        nowhere = "http://127.0.0.1:9"  # no registry, no release-api: not needed here
        return monitor_main.build_workers(
            resources,
            registry=httpx.AsyncClient(base_url=nowhere),
            release_api=httpx.AsyncClient(base_url=nowhere),
        )

    @asynccontextmanager
    async def running(**options: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = Settings(
            database_url=url,
            kafka_bootstrap_servers=kafka_bootstrap,
            service_token=SecretStr(mint_token(AUTH, subject="monitor-gateway", service=True)),
            logs_topic=f"unused-{suffix}",
            logs_ingest=False,
            notify_group=f"notify-test-{suffix}",
            notify_from="earliest",  # a group of its own: read what was produced before it joined
            console_url="https://flotilla.example.com/console/",
            **options,
        )
        app = monitor_main.create_app(settings, spec=replace(monitor_main.SPEC, workers=workers))
        async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30) as manager:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://m", timeout=30
            ) as http:
                yield http

    return running


async def produce(bootstrap: str, payloads: list[EventPayload], *, twice: bool = True) -> None:
    """As the services publish them (binary-mode CloudEvents). `twice`: each is delivered
    twice (at least once), and published again as a new event (a new id: only the
    subscription, trigger and subject make it the same notification)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for payload in payloads:
            event = CloudEvent.of(payload, source="/flotilla/test")
            again = CloudEvent.of(payload, source="/flotilla/test")
            for copy in (event, event, again) if twice else (event,):
                await producer.send_and_wait(
                    payload.topic, copy.kafka_value(), key=b"shop", headers=copy.kafka_headers()
                )
    finally:
        await producer.stop()


async def subscribe(http: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await http.post("/v1/notifications/subscriptions", headers=ADMIN, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.2)


def outcome(kind: type[EventPayload], app: str, release: uuid.UUID) -> EventPayload:
    return kind.model_validate(
        {
            "release_id": release,
            "app": app,
            "env": "prod",
            "image": f"{app}:2",
            "clusters": {"idc-a-1": RolloutPhase.SUCCEEDED, "idc-b-1": RolloutPhase.ROLLED_BACK},
            "errors": {"idc-b-1": "pods cannot start"},
        }
    )


def every_trigger(app: str) -> tuple[list[EventPayload], uuid.UUID]:
    r = [uuid.uuid4() for _ in range(5)]
    alert = uuid.uuid4()
    return [
        ReleaseCreatedV1(
            release_id=r[0],
            app=app,
            env="prod",
            image=f"{app}:2",
            strategy=Strategy.ROLLING,
            clusters=("idc-a-1", "idc-b-1"),
            requested_by="ada",
        ),
        ReleaseWaitingApprovalV1(
            release_id=r[1],
            app=app,
            env="prod",
            requested_by="ada",
            approvers="admins",
            four_eyes=True,
        ),
        outcome(ReleaseSucceededV1, app, r[0]),
        outcome(ReleasePartiallyFailedV1, app, r[2]),
        outcome(ReleaseFailedV1, app, r[3]),
        outcome(ReleaseRolledBackV1, app, r[4]),
        AlertFiredV1(
            alert_id=alert,
            app=app,
            env="prod",
            cluster="idc-a-1",
            pod=f"{app}-1",
            container="app",
            reason=AlertReason.CRASH_LOOP,
            severity=AlertSeverity.CRITICAL,
            message="crash-looping",
            fired_at=AT,
        ),
        AlertResolvedV1(
            alert_id=alert,
            app=app,
            cluster="idc-a-1",
            pod=f"{app}-1",
            reason=AlertReason.CRASH_LOOP,
            resolved_at=AT,
        ),
        ClusterStatusChangedV1(
            cluster="idc-b-1",
            status=ClusterStatus.UNREACHABLE,
            previous_status=ClusterStatus.READY,
            reason=f"{app}: connection refused",
            observed_at=datetime.now(UTC),
        ),
    ], r[3]


async def test_every_trigger_arrives_once_across_an_outage_and_a_restart(
    monitor_at: Start, kafka_bootstrap: str
) -> None:
    app = f"shop-{uuid.uuid4().hex[:4]}"
    env = f"prod-{uuid.uuid4().hex[:4]}"  # an env scope of this test's own
    receiver = HttpReceiver()  # down until later
    smtp = SmtpReceiver()
    smtp.start()
    fast = {"notify_backoff_s": 0.3, "notify_backoff_max_s": 1.0, "notify_max_attempts": 40}
    options = {**fast, "smtp_url": SecretStr(smtp.url)}
    try:
        async with monitor_at(**options) as http:
            hook = await subscribe(
                http,
                {
                    "name": "everything",
                    "scope": {"kind": "app", "name": app},
                    "triggers": [*ALL_RELEASE, "alert.fired", "alert.resolved"],
                    "destination": {
                        "kind": "webhook",
                        "url": receiver.url("/hook"),
                        "secret": SECRET,
                    },
                },
            )
            assert "secret" not in json.dumps(hook)
            slack = await subscribe(
                http,
                {
                    "name": "ops channel",
                    "scope": {"kind": "env", "name": env},
                    "triggers": ["cluster.unreachable"],
                    "destination": {"kind": "slack", "url": receiver.url("/slack/T0/B0/xyz")},
                },
            )
            assert slack["destination"] == {"kind": "slack", "host": "127.0.0.1"}
            await subscribe(
                http,
                {
                    "name": "mail the team",
                    "scope": {"kind": "app", "name": app},
                    "triggers": ["release.succeeded"],
                    "destination": {"kind": "email", "to": ["dev@example.com"]},
                },
            )
            payloads, _ = every_trigger(app)
            outage = time.monotonic()
            await produce(kafka_bootstrap, payloads)
            # mail needs no receiver that is down: it arrives at once
            await until(lambda: len(smtp.messages) >= 1, 30, "the mail")
            await asyncio.sleep(3)  # attempts against the receiver fail meanwhile
        async with monitor_at(**options) as http:  # the notifier restarted
            await asyncio.sleep(max(0.0, 10 - (time.monotonic() - outage)))
            receiver.start()  # back after 10 s
            await until(lambda: len(receiver.by_path("/hook")) >= 8, 60, "the webhooks")
            await until(
                lambda: any(app.encode() in r.body for r in receiver.by_path("/slack")),
                30,
                "slack",
            )
            await asyncio.sleep(3)  # any duplicate would be here by now
            hooks = receiver.by_path("/hook")
            triggers = Counter(json.loads(r.body)["trigger"] for r in hooks)
            assert triggers == Counter([*ALL_RELEASE, "alert.fired", "alert.resolved"])
            for request in hooks:
                assert verify(SECRET, request.headers[SIGNATURE_HEADER], request.body)
            assert len({r.headers["Flotilla-Delivery"] for r in hooks}) == 8
            failed = next(json.loads(r.body) for r in hooks if b'"release.failed"' in r.body)
            assert failed["app"] == app
            assert failed["env"] == "prod"
            assert set(failed["clusters"]) == {"idc-a-1", "idc-b-1"}
            assert failed["state"]["errors"] == {"idc-b-1": "pods cannot start"}
            assert failed["link"].startswith("https://flotilla.example.com/console/#/releases/")
            # the env's subscription hears of every outage on the topic: this test's is one
            outages = [json.loads(r.body)["text"] for r in receiver.by_path("/slack")]
            ours = [text for text in outages if f"{app}: connection refused" in text]
            assert ours == [f"cluster idc-b-1 is unreachable: {app}: connection refused"]
            assert len(smtp.messages) == 1
            assert f"{app} {app}:2 in prod: release succeeded" in smtp.messages[0]["Subject"]
            r = await http.get(
                "/v1/notifications/deliveries",
                headers=ADMIN,
                params={"subscription": hook["id"]},
            )
            log = r.json()["items"]
            assert [d["state"] for d in log] == ["delivered"] * 8
            assert all(d["attempts"] >= 2 for d in log)  # the outage cost each an attempt
    finally:
        receiver.stop()
        smtp.stop()


async def test_a_slow_destination_does_not_delay_a_fast_one(
    monitor_at: Start, kafka_bootstrap: str
) -> None:
    app = f"shop-{uuid.uuid4().hex[:4]}"
    receiver = HttpReceiver(delay_s={"/slow": 20.0})
    receiver.start()
    try:
        async with monitor_at(notify_timeout_s=30.0) as http:
            for name in ("slow", "fast"):
                await subscribe(
                    http,
                    {
                        "name": name,
                        "scope": {"kind": "app", "name": app},
                        "triggers": ["release.failed"],
                        "destination": {
                            "kind": "webhook",
                            "url": receiver.url(f"/{name}"),
                            "secret": SECRET,
                        },
                    },
                )
            started = time.monotonic()
            await produce(
                kafka_bootstrap,
                [outcome(ReleaseFailedV1, app, uuid.uuid4()) for _ in range(6)],
                twice=False,
            )
            await until(lambda: len(receiver.by_path("/fast")) == 6, 15, "the fast receiver")
            took = time.monotonic() - started
            assert took < 10, took
            assert receiver.by_path("/slow") == []  # each of its answers takes 20 s
    finally:
        receiver.stop()


async def test_refusals_and_a_dead_delivery_sent_again(
    monitor_at: Start, kafka_bootstrap: str
) -> None:
    app = f"shop-{uuid.uuid4().hex[:4]}"
    receiver = HttpReceiver(status=500)
    receiver.start()
    try:
        async with monitor_at(notify_backoff_s=0.2, notify_max_attempts=2) as http:
            base = {
                "name": "x",
                "scope": {"kind": "app", "name": app},
                "triggers": ["release.failed"],
            }
            metadata = {"kind": "webhook", "url": "http://169.254.169.254/latest", "secret": SECRET}
            r = await http.post(
                "/v1/notifications/subscriptions",
                headers=ADMIN,
                json={**base, "destination": metadata},
            )
            assert r.status_code == 422, r.text
            assert r.json()["errors"][0]["loc"] == "body.destination.url"
            short = {"kind": "webhook", "url": receiver.url("/h"), "secret": "short"}
            r = await http.post(
                "/v1/notifications/subscriptions",
                headers=ADMIN,
                json={**base, "destination": short},
            )
            assert r.status_code == 422, r.text
            developer = mint_token(AUTH, subject="d", roles=[Role.DEVELOPER], teams=["x"])
            r = await http.post(
                "/v1/notifications/subscriptions",
                headers={"Authorization": f"Bearer {developer}"},
                json={
                    **base,
                    "scope": {"kind": "env", "name": "prod"},
                    "destination": {"kind": "email", "to": ["a@example.com"]},
                },
            )
            assert r.status_code == 403, r.text
            listed = await http.get("/v1/notifications/subscriptions", headers=ADMIN)
            assert listed.json()["items"] == []  # nothing was stored

            hook = await subscribe(
                http,
                {
                    **base,
                    "destination": {"kind": "webhook", "url": receiver.url("/h"), "secret": SECRET},
                },
            )
            await produce(kafka_bootstrap, [outcome(ReleaseFailedV1, app, uuid.uuid4())])

            async def states() -> list[dict[str, Any]]:
                r = await http.get(
                    "/v1/notifications/deliveries",
                    headers=ADMIN,
                    params={"subscription": hook["id"]},
                )
                return r.json()["items"]  # type: ignore[no-any-return]

            deadline = time.monotonic() + 30
            while not (log := await states()) or log[0]["state"] != "dead":
                assert time.monotonic() < deadline, log
                await asyncio.sleep(0.3)
            assert log[0]["attempts"] == 2
            assert "answered 500" in log[0]["last_error"]
            receiver.status = 200
            r = await http.post(f"/v1/notifications/deliveries/{log[0]['id']}/retry", headers=ADMIN)
            assert r.status_code == 200, r.text
            await until(lambda: len(receiver.by_path("/h")) == 1, 15, "the retried delivery")
            deadline = time.monotonic() + 10
            while (await states())[0]["state"] != "delivered":
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            r = await http.post(f"/v1/notifications/deliveries/{log[0]['id']}/retry", headers=ADMIN)
            assert r.status_code == 409, r.text  # only a dead one is sent again
    finally:
        receiver.stop()
