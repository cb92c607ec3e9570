"""Notifications' pure parts: which events are triggers and what their messages say, the
webhook signature a receiver checks, and the Slack payload."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from flotilla_contracts import CloudEvent
from flotilla_contracts.enums import AlertReason, AlertSeverity, ClusterStatus, RolloutPhase
from flotilla_contracts.events import (
    AlertFiredV1,
    ClusterStatusChangedV1,
    ReleasePartiallyFailedV1,
    RolloutProgressedV1,
)
from monitor_gateway.notify.senders import REPLAY_WINDOW_S, sign, slack_payload, verify
from monitor_gateway.notify.triggers import Trigger, occurrence_of

IDCS = {"idc-a-1": "idc-a", "idc-b-1": "idc-b"}.get
AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def test_a_partial_failure_names_the_clusters_their_idcs_and_the_errors() -> None:
    release = uuid.uuid4()
    event = CloudEvent.of(
        ReleasePartiallyFailedV1(
            release_id=release,
            app="shop",
            env="prod",
            image="shop:2",
            clusters={"idc-a-1": RolloutPhase.SUCCEEDED, "idc-b-1": RolloutPhase.ROLLED_BACK},
            errors={"idc-b-1": "pods cannot start"},
        ),
        source="/flotilla/release-api",
    )
    found = occurrence_of(event, IDCS)
    assert found is not None
    assert found.trigger == Trigger.RELEASE_PARTIALLY_FAILED
    assert found.about == str(release)
    assert found.clusters == {"idc-a-1": "idc-a", "idc-b-1": "idc-b"}
    assert found.summary == (
        "shop shop:2 in prod: release partially failed (idc-b-1: pods cannot start)"
    )
    assert found.state["clusters"]["idc-b-1"] == "rolled-back"
    assert found.link == f"#/releases/shop/{release}"


def test_alerts_and_outages_are_triggers_and_progress_is_not() -> None:
    fired = CloudEvent.of(
        AlertFiredV1(
            alert_id=uuid.uuid4(),
            app="shop",
            env="prod",
            cluster="idc-a-1",
            pod="shop-1",
            container="app",
            reason=AlertReason.CRASH_LOOP,
            severity=AlertSeverity.CRITICAL,
            message="crash-looping",
            fired_at=AT,
        ),
        source="/flotilla/monitor-gateway",
    )
    alert = occurrence_of(fired, IDCS)
    assert alert is not None
    assert alert.trigger == Trigger.ALERT_FIRED
    assert alert.severity == AlertSeverity.CRITICAL
    down = CloudEvent.of(
        ClusterStatusChangedV1(
            cluster="idc-b-1",
            status=ClusterStatus.UNREACHABLE,
            previous_status=ClusterStatus.READY,
            observed_at=AT,
        ),
        source="/flotilla/cluster-registry",
    )
    outage = occurrence_of(down, IDCS)
    assert outage is not None
    assert outage.trigger == Trigger.CLUSTER_UNREACHABLE
    assert outage.clusters == {"idc-b-1": "idc-b"}
    back = CloudEvent.of(
        ClusterStatusChangedV1(
            cluster="idc-b-1",
            status=ClusterStatus.READY,
            previous_status=ClusterStatus.UNREACHABLE,
            observed_at=AT,
        ),
        source="/flotilla/cluster-registry",
    )
    assert occurrence_of(back, IDCS) is None
    progress = CloudEvent.of(
        RolloutProgressedV1(
            release_id=uuid.uuid4(),
            app="shop",
            env="prod",
            cluster="idc-a-1",
            desired=2,
            updated=1,
            ready=1,
        ),
        source="/flotilla/release-api",
    )
    assert occurrence_of(progress, IDCS) is None


def test_the_signature_verifies_and_refuses_a_change_or_a_replay() -> None:
    body = json.dumps({"trigger": "release.failed"}).encode()
    now = int(time.time())
    header = sign("s3cret-s3cret-s3cret", body, now)
    assert verify("s3cret-s3cret-s3cret", header, body)
    assert not verify("s3cret-s3cret-s3cret", header, body + b" ")
    assert not verify("another-secret-entirely", header, body)
    assert not verify("s3cret-s3cret-s3cret", header, body, now=now + REPLAY_WINDOW_S + 1)
    assert not verify("s3cret-s3cret-s3cret", "v1=abc", body)


def test_slack_gets_the_summary_the_clusters_and_the_link() -> None:
    payload = slack_payload(
        {
            "summary": "shop shop:2 in prod: release failed",
            "clusters": {"idc-a-1": "idc-a", "x": None},
            "link": "https://flotilla.example.com/console/#/releases/shop/1",
        }
    )
    assert payload["text"] == "shop shop:2 in prod: release failed"
    text = payload["blocks"][0]["text"]["text"]
    assert "idc-a-1 (idc-a), x" in text
    assert "Open in Flotilla" in payload["blocks"][1]["elements"][0]["text"]


def test_the_readme_snippet_verifies_what_the_sender_signs() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    block = readme.split("def verified", 1)[1].split("```", 1)[0]
    scope: dict[str, object] = {}
    exec("import hashlib, hmac, time\ndef verified" + block, scope)  # noqa: S102
    verified = scope["verified"]
    body = b'{"trigger":"release.failed"}'
    header = sign("the-shared-secret-123", body, int(time.time()))
    assert verified("the-shared-secret-123", header, body) is True  # type: ignore[operator]
    assert verified("the-shared-secret-123", header, body + b"x") is False  # type: ignore[operator]
