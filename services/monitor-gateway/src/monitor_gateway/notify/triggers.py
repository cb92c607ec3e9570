"""Which of Flotilla's events people are told about, and what the message says. Pure functions.

A trigger is a named moment (`release.failed`, `alert.fired`, `cluster.unreachable`); an event
from Kafka becomes at most one occurrence of one trigger, carrying what every message names —
the app, the environment, the clusters and their IDCs, the state at that moment — and the key
of what it is about (the release, the alert, the cluster's outage), which with the
subscription and the trigger makes a delivery happen once (`oncePer`, as Argo CD's
notifications call it) however often Kafka hands the event over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flotilla_contracts import CloudEvent
from flotilla_contracts.enums import AlertSeverity, ClusterStatus


class Trigger(StrEnum):
    RELEASE_STARTED = "release.started"
    RELEASE_WAITING_APPROVAL = "release.waiting_approval"
    RELEASE_SUCCEEDED = "release.succeeded"
    RELEASE_PARTIALLY_FAILED = "release.partially_failed"
    RELEASE_FAILED = "release.failed"
    RELEASE_ROLLED_BACK = "release.rolled_back"
    ALERT_FIRED = "alert.fired"
    ALERT_RESOLVED = "alert.resolved"
    CLUSTER_UNREACHABLE = "cluster.unreachable"


RELEASE_TRIGGERS = {
    "io.flotilla.release.created": Trigger.RELEASE_STARTED,
    "io.flotilla.release.waiting_approval": Trigger.RELEASE_WAITING_APPROVAL,
    "io.flotilla.release.succeeded": Trigger.RELEASE_SUCCEEDED,
    "io.flotilla.release.partially_failed": Trigger.RELEASE_PARTIALLY_FAILED,
    "io.flotilla.release.failed": Trigger.RELEASE_FAILED,
    "io.flotilla.release.rolled_back": Trigger.RELEASE_ROLLED_BACK,
}
SEVERITY_RANK = {AlertSeverity.INFO: 0, AlertSeverity.WARNING: 1, AlertSeverity.CRITICAL: 2}
IdcOf = Callable[[str], str | None]


@dataclass(frozen=True)
class Occurrence:
    trigger: Trigger
    about: str  # the release's id, the alert's id, the cluster's outage
    summary: str
    app: str | None = None
    env: str | None = None
    clusters: dict[str, str | None] = field(default_factory=dict)  # cluster → its IDC
    severity: AlertSeverity | None = None
    state: dict[str, Any] = field(default_factory=dict)
    link: str = ""  # the console page, relative to its URL (`#/releases/shop/<id>`)
    event_id: str = ""
    event_type: str = ""
    at: str = ""


def occurrence_of(event: CloudEvent, idc_of: IdcOf) -> Occurrence | None:
    """The trigger an event is, or None for the events nobody is told about."""
    data = event.data
    trigger = RELEASE_TRIGGERS.get(event.type)
    if trigger is not None:
        app, env, release = str(data["app"]), str(data["env"]), str(data["release_id"])
        phases = data.get("clusters")
        names = sorted(phases) if isinstance(phases, dict) else sorted(phases or ())
        state: dict[str, Any] = {"image": data.get("image")}
        if isinstance(phases, dict):
            state["clusters"] = phases
        if data.get("errors"):
            state["errors"] = data["errors"]
        if trigger == Trigger.RELEASE_WAITING_APPROVAL:
            state["approvers"] = data.get("approvers")
        return Occurrence(
            trigger=trigger,
            about=release,
            summary=_release_summary(trigger, app, env, data),
            app=app,
            env=env,
            clusters={c: idc_of(c) for c in names},
            state={k: v for k, v in state.items() if v is not None},
            link=f"#/releases/{app}/{release}",
            event_id=event.id,
            event_type=event.type,
            at=event.time.isoformat(),
        )
    if event.type in ("io.flotilla.alert.fired", "io.flotilla.alert.resolved"):
        fired = event.type.endswith("fired")
        cluster = str(data["cluster"])
        severity = AlertSeverity(data["severity"]) if "severity" in data else None
        app = str(data["app"])
        what = f"{data['reason']} on {data['pod']} ({cluster})"
        return Occurrence(
            trigger=Trigger.ALERT_FIRED if fired else Trigger.ALERT_RESOLVED,
            about=str(data["alert_id"]),
            summary=f"{app}: alert {'fired' if fired else 'resolved'}: {what}",
            app=app,
            env=str(data["env"]) if "env" in data else None,
            clusters={cluster: idc_of(cluster)},
            severity=severity,
            state={"reason": data["reason"], "pod": data["pod"], "message": data.get("message")},
            link=f"#/apps/{app}/observe",
            event_id=event.id,
            event_type=event.type,
            at=event.time.isoformat(),
        )
    if event.type == "io.flotilla.cluster.status_changed":
        if data.get("status") != ClusterStatus.UNREACHABLE.value:
            return None
        cluster = str(data["cluster"])
        reason = data.get("reason") or "no answer"
        return Occurrence(
            trigger=Trigger.CLUSTER_UNREACHABLE,
            # one outage: it ends when the cluster is seen again, and the next is new
            about=f"{cluster}@{data.get('observed_at')}",
            summary=f"cluster {cluster} is unreachable: {reason}",
            clusters={cluster: idc_of(cluster)},
            state={"status": data["status"], "previous_status": data.get("previous_status")},
            link="#/clusters",
            event_id=event.id,
            event_type=event.type,
            at=event.time.isoformat(),
        )
    return None


def _release_summary(trigger: Trigger, app: str, env: str, data: dict[str, Any]) -> str:
    image = data.get("image", "")
    head = f"{app} {image} in {env}"
    if trigger == Trigger.RELEASE_STARTED:
        return f"{head}: release started ({data.get('strategy', '')})"
    if trigger == Trigger.RELEASE_WAITING_APPROVAL:
        return f"{app} in {env}: a release waits for approval by {data.get('approvers', '')}"
    errors = data.get("errors") or {}
    outcome = {
        Trigger.RELEASE_SUCCEEDED: "succeeded",
        Trigger.RELEASE_PARTIALLY_FAILED: "partially failed",
        Trigger.RELEASE_FAILED: "failed",
        Trigger.RELEASE_ROLLED_BACK: "rolled back",
    }[trigger]
    why = "; ".join(f"{c}: {e}" for c, e in sorted(errors.items()))
    return f"{head}: release {outcome}" + (f" ({why})" if why else "")
