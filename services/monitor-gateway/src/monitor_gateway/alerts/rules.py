"""Alert rules evaluated on one pod as a Kubernetes watch sees it. Pure functions, no I/O.

The same conditions as the rules people already run (kubernetes-mixin, awesome-prometheus-
alerts), evaluated from pod watches so they fire in seconds rather than after `for: 15m`:
- crash_loop: a container waiting in CrashLoopBackOff;
- image_pull: a container waiting in ImagePullBackOff or ErrImagePull;
- oom_killed: a container whose last termination was OOMKilled, within the restart window;
- restarts: at least `restarts` container restarts within `restarts_window_s`;
- not_ready: a Pending or Running pod not Ready for longer than `not_ready_s`;
- orphaned: a Flotilla-labelled pod that no controller owns. A pod isolated on purpose
  (`flotilla.io/isolated=true`) is not an orphan until `isolated_retention_s` after its
  isolation — then it is a forgotten post-mortem.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flotilla_contracts import labels
from flotilla_contracts.enums import AlertReason, AlertSeverity

Obj = dict[str, Any]


@dataclass(frozen=True)
class Thresholds:
    restarts: int = 3
    restarts_window_s: float = 600.0
    not_ready_s: float = 300.0
    isolated_retention_s: float = 86_400.0


@dataclass(frozen=True)
class Finding:
    reason: AlertReason
    severity: AlertSeverity
    container: str
    message: str


def _epoch(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def evaluate(pod: Obj, now: float, thresholds: Thresholds, restarts: list[float]) -> list[Finding]:
    """What is wrong with `pod` at `now` (epoch seconds); `restarts`: when its containers
    restarted (epoch seconds, as the engine saw restartCount grow)."""
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    findings: dict[AlertReason, Finding] = {}

    def add(reason: AlertReason, severity: AlertSeverity, container: str, message: str) -> None:
        findings.setdefault(reason, Finding(reason, severity, container, message))

    for cs in status.get("containerStatuses") or []:
        name = cs.get("name", "")
        waiting = (cs.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason")
        if reason == "CrashLoopBackOff":
            add(
                AlertReason.CRASH_LOOP,
                AlertSeverity.CRITICAL,
                name,
                f"{name} is crash-looping ({cs.get('restartCount', 0)} restarts)",
            )
        elif reason in ("ImagePullBackOff", "ErrImagePull"):
            add(
                AlertReason.IMAGE_PULL,
                AlertSeverity.CRITICAL,
                name,
                f"{name} cannot pull {cs.get('image', '')}: {reason}",
            )
        terminated = (cs.get("lastState") or {}).get("terminated") or {}
        finished = _epoch(terminated.get("finishedAt"))
        if (
            terminated.get("reason") == "OOMKilled"
            and finished is not None
            and now - finished <= thresholds.restarts_window_s
        ):
            add(AlertReason.OOM_KILLED, AlertSeverity.CRITICAL, name, f"{name} was OOMKilled")

    recent = [t for t in restarts if now - t <= thresholds.restarts_window_s]
    if len(recent) >= thresholds.restarts:
        add(
            AlertReason.RESTARTS,
            AlertSeverity.WARNING,
            "",
            f"{len(recent)} restarts in the last {thresholds.restarts_window_s:g} s",
        )

    deleting = bool(meta.get("deletionTimestamp"))
    phase = status.get("phase", "Pending")
    if not deleting and phase in ("Pending", "Running"):
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
        if ready is None or ready.get("status") != "True":
            since = _epoch((ready or {}).get("lastTransitionTime")) or _epoch(
                meta.get("creationTimestamp")
            )
            if since is not None and now - since > thresholds.not_ready_s:
                add(
                    AlertReason.NOT_READY,
                    AlertSeverity.WARNING,
                    "",
                    f"not ready for {now - since:.0f} s (phase {phase})",
                )

    owned = any(r.get("controller") for r in meta.get("ownerReferences") or [])
    if not owned and not deleting:
        pod_labels = meta.get("labels") or {}
        isolated_at = _epoch((meta.get("annotations") or {}).get(labels.ISOLATED_AT))
        if pod_labels.get(labels.ISOLATED) == "true":
            since = isolated_at or _epoch(meta.get("creationTimestamp")) or now
            if now - since > thresholds.isolated_retention_s:
                add(
                    AlertReason.ORPHANED,
                    AlertSeverity.INFO,
                    "",
                    f"isolated {now - since:.0f} s ago and still running: delete it when done",
                )
        else:
            add(AlertReason.ORPHANED, AlertSeverity.WARNING, "", "no controller owns this pod")
    return list(findings.values())
