"""Server-side printing: the `Table` kubectl asks for (`Accept: ...;as=Table;g=meta.k8s.io`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kubesim.store import Obj

Column = tuple[str, str, Callable[[Obj], Any], int]  # name, type, cell, priority


def _age(obj: Obj) -> str:
    return _since(obj["metadata"].get("creationTimestamp"))


def _since(created: str | None) -> str:
    if not created:
        return "<unknown>"
    seconds = int(
        (
            datetime.now(UTC) - datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        ).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * 2:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _pod_status(pod: Obj) -> str:
    meta, status = pod["metadata"], pod.get("status") or {}
    if meta.get("deletionTimestamp"):
        return "Terminating"
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return str(waiting["reason"])
    return str(status.get("phase", "Pending"))


def _pod_ready(pod: Obj) -> str:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    total = len((pod.get("spec") or {}).get("containers") or [])
    return f"{sum(1 for cs in statuses if cs.get('ready'))}/{total}"


def _deployment_ready(d: Obj) -> str:
    ready = (d.get("status") or {}).get("readyReplicas", 0)
    return f"{ready}/{(d.get('spec') or {}).get('replicas', 0)}"


def _node_status(node: Obj) -> str:
    ready: Obj = next(
        (c for c in (node.get("status") or {}).get("conditions") or [] if c["type"] == "Ready"), {}
    )
    text = "Ready" if ready.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _ports(svc: Obj) -> str:
    ports = (svc.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports) or "<none>"


def _involved(event: Obj) -> str:
    involved = event.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


NAME: Column = ("Name", "string", lambda o: o["metadata"]["name"], 0)
AGE: Column = ("Age", "string", _age, 0)
COLUMNS: dict[str, list[Column]] = {
    # as the API server prints events (pkg/printers/internalversion: printEvent)
    "Event": [
        ("Last Seen", "string", lambda e: _since(e.get("lastTimestamp")), 0),
        ("Type", "string", lambda e: e.get("type", ""), 0),
        ("Reason", "string", lambda e: e.get("reason", ""), 0),
        ("Object", "string", _involved, 0),
        ("Message", "string", lambda e: e.get("message", ""), 0),
        ("Source", "string", lambda e: (e.get("source") or {}).get("component", ""), 1),
        ("First Seen", "string", lambda e: _since(e.get("firstTimestamp")), 1),
        ("Count", "integer", lambda e: e.get("count", 1), 1),
        ("Name", "string", lambda e: e["metadata"]["name"], 1),
    ],
    "Pod": [
        NAME,
        ("Ready", "string", _pod_ready, 0),
        ("Status", "string", _pod_status, 0),
        (
            "Restarts",
            "string",
            lambda p: str(
                sum(
                    cs.get("restartCount", 0)
                    for cs in (p.get("status") or {}).get("containerStatuses") or []
                )
            ),
            0,
        ),
        AGE,
        ("IP", "string", lambda p: (p.get("status") or {}).get("podIP", "<none>"), 1),
        ("Node", "string", lambda p: (p.get("spec") or {}).get("nodeName", "<none>"), 1),
    ],
    "Deployment": [
        NAME,
        ("Ready", "string", _deployment_ready, 0),
        ("Up-to-date", "integer", lambda d: (d.get("status") or {}).get("updatedReplicas", 0), 0),
        ("Available", "integer", lambda d: (d.get("status") or {}).get("availableReplicas", 0), 0),
        AGE,
    ],
    "ReplicaSet": [
        NAME,
        ("Desired", "integer", lambda r: (r.get("spec") or {}).get("replicas", 0), 0),
        ("Current", "integer", lambda r: (r.get("status") or {}).get("replicas", 0), 0),
        ("Ready", "integer", lambda r: (r.get("status") or {}).get("readyReplicas", 0), 0),
        AGE,
    ],
    "Node": [
        NAME,
        ("Status", "string", _node_status, 0),
        (
            "Roles",
            "string",
            lambda n: (
                ",".join(
                    k.split("/", 1)[1]
                    for k in (n["metadata"].get("labels") or {})
                    if k.startswith("node-role.kubernetes.io/")
                )
                or "<none>"
            ),
            0,
        ),
        AGE,
        (
            "Version",
            "string",
            lambda n: ((n.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", ""),
            0,
        ),
    ],
    "Service": [
        NAME,
        ("Type", "string", lambda s: (s.get("spec") or {}).get("type", ""), 0),
        ("Cluster-IP", "string", lambda s: (s.get("spec") or {}).get("clusterIP", ""), 0),
        ("Port(s)", "string", _ports, 0),
        AGE,
    ],
}


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def table(kind: str, items: list[Obj], resource_version: str) -> dict[str, Any]:
    columns = COLUMNS.get(kind, [NAME, AGE])
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {
                "name": name,
                "type": type_,
                "format": "name" if name == "Name" else "",
                "description": name,
                "priority": priority,
            }
            for name, type_, _, priority in columns
        ],
        "rows": [
            {"cells": [cell(obj) for _, _, cell, _ in columns], "object": obj} for obj in items
        ],
    }
