"""Containers that fail, on kwok's nodes: what a kubelet reports for them, written through the
real API server's pod status.

kwok reports every pod running and ready; a pod that carries kubesim's fault annotation
(`kubesim.flotilla.io/fault`: CrashLoopBackOff, OOMKilled, ImagePullBackOff, NeverReady) is
left out of kwok's pod-ready stage (ControlPlane writes that stage with one more selector) and
this module plays its kubelet instead, with the states and reasons a kubelet writes: restarts
counted up with the last termination (Error, exit 1; OOMKilled, exit 137), an image that cannot
be pulled (ErrImagePull, then ImagePullBackOff, the pod Pending), a container running but never
ready. The same annotation means the same fault on kubesim, so tests/test_alerts.py runs
unchanged on real clusters.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from kubesim.controllers.podspec import PREFIX

log = logging.getLogger("podnet")
ANNOTATION = PREFIX + "fault"  # kubesim.flotilla.io/fault, as kubesim reads it
FAULTS = ("CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "NeverReady")
RESTART_EVERY_S = 1.0


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fault_of(pod: dict[str, Any]) -> str | None:
    fault = (pod["metadata"].get("annotations") or {}).get(ANNOTATION)
    return fault if fault in FAULTS else None


def status_for(pod: dict[str, Any], fault: str, round_: int) -> dict[str, Any]:
    """The pod status a kubelet reports for the fault, after `round_` restarts."""
    containers = (pod.get("spec") or {}).get("containers") or []
    at = now()
    pending = fault == "ImagePullBackOff"
    statuses = []
    for c in containers:
        status: dict[str, Any] = {
            "name": c["name"],
            "image": c.get("image", ""),
            "imageID": "",
            "ready": False,
            "started": fault == "NeverReady",
            "restartCount": 0 if fault in ("ImagePullBackOff", "NeverReady") else round_,
        }
        if fault == "NeverReady":
            status["state"] = {"running": {"startedAt": at}}
        elif pending:
            reason = "ErrImagePull" if round_ % 2 == 0 else "ImagePullBackOff"
            message = f'Back-off pulling image "{c.get("image", "")}"'
            status["state"] = {"waiting": {"reason": reason, "message": message}}
        else:
            oom = fault == "OOMKilled"
            status["state"] = {"waiting": {"reason": "CrashLoopBackOff"}}
            status["lastState"] = {
                "terminated": {
                    "reason": "OOMKilled" if oom else "Error",
                    "exitCode": 137 if oom else 1,
                    "startedAt": at,
                    "finishedAt": at,
                }
            }
        statuses.append(status)
    conditions = [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": at},
        {"type": "Initialized", "status": "True", "lastTransitionTime": at},
        {"type": "ContainersReady", "status": "False", "lastTransitionTime": at},
        {"type": "Ready", "status": "False", "lastTransitionTime": at},
    ]
    return {
        "phase": "Pending" if pending else "Running",
        "conditions": conditions,
        "containerStatuses": statuses,
        "hostIP": "127.0.0.1",
        "startTime": at,
    }


class FaultyPods:
    """One cluster's pods with a fault: their status written every RESTART_EVERY_S."""

    def __init__(self, api: client.ApiClient) -> None:
        self.core = client.CoreV1Api(api)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def seen(self, kind: str, pod: dict[str, Any]) -> None:
        uid = pod["metadata"]["uid"]
        gone = kind == "DELETED" or pod["metadata"].get("deletionTimestamp")
        fault = fault_of(pod)
        if gone or fault is None:
            task = self._tasks.pop(uid, None)
            if task is not None:
                task.cancel()
            return
        if uid not in self._tasks and (pod.get("spec") or {}).get("nodeName"):
            self._tasks[uid] = asyncio.create_task(self._kubelet(pod, fault))

    async def _kubelet(self, pod: dict[str, Any], fault: str) -> None:
        meta = pod["metadata"]
        round_ = 0
        while True:
            body = {"status": status_for(pod, fault, round_)}
            try:
                await self.core.patch_namespaced_pod_status(meta["name"], meta["namespace"], body)
            except ApiException as exc:
                if exc.status == 404:
                    return
                log.warning("fault %s of %s: %s", fault, meta["name"], exc.reason)
            await asyncio.sleep(RESTART_EVERY_S)
            round_ += 1
