"""The cluster's metrics in Prometheus text format: kube-state-metrics and cAdvisor series.

Values are simulated but consistent: counters grow from each container's start at rates taken
from annotations (`kubesim.flotilla.io/cpu-cores`, `.../memory-bytes`, `.../fs-read-bps`,
`.../fs-write-bps`, `.../net-rx-bps`, `.../net-tx-bps`) or defaults, so a test can predict them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from kubesim.controllers.podspec import PREFIX, quantity
from kubesim.objects import controller_of, pod_is_ready
from kubesim.resources import resource

if TYPE_CHECKING:
    from kubesim.protocols import SimCluster
    from kubesim.store import Obj

POD = resource("Pod")
NODE = resource("Node")
DEPLOYMENT = resource("Deployment")
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
DEFAULTS = {
    "cpu-cores": 0.05,
    "memory-bytes": 64 * 2**20,
    "fs-read-bps": 1024.0,
    "fs-write-bps": 2048.0,
    "net-rx-bps": 4096.0,
    "net-tx-bps": 8192.0,
}
HELP = {
    "kube_pod_container_status_restarts_total": ("counter", "Restarts of the container."),
    "kube_pod_container_status_waiting_reason": ("gauge", "Why the container is waiting."),
    "kube_pod_container_status_last_terminated_reason": ("gauge", "Why it last terminated."),
    "kube_pod_status_phase": ("gauge", "The pod's current phase."),
    "kube_pod_status_ready": ("gauge", "Whether the pod is ready."),
    "kube_pod_owner": ("gauge", "The pod's owner."),
    "kube_pod_labels": ("gauge", "Kubernetes labels converted to Prometheus labels."),
    "kube_pod_container_resource_requests": ("gauge", "Resources requested by a container."),
    "kube_deployment_spec_replicas": ("gauge", "Desired pods of a deployment."),
    "kube_deployment_status_replicas_available": ("gauge", "Available pods of a deployment."),
    "kube_deployment_status_replicas_updated": ("gauge", "Updated pods of a deployment."),
    "kube_node_status_allocatable": ("gauge", "Allocatable resources of a node."),
    "container_cpu_usage_seconds_total": ("counter", "Cumulative cpu time consumed."),
    "container_memory_working_set_bytes": ("gauge", "Current working set in bytes."),
    "container_spec_memory_limit_bytes": ("gauge", "Memory limit of the container."),
    "container_fs_reads_bytes_total": ("counter", "Cumulative bytes read."),
    "container_fs_writes_bytes_total": ("counter", "Cumulative bytes written."),
    "container_network_receive_bytes_total": ("counter", "Cumulative bytes received."),
    "container_network_transmit_bytes_total": ("counter", "Cumulative bytes transmitted."),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in pairs.items()) + "}"


def _float(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def rate(pod: Obj, name: str) -> float:
    raw = (pod["metadata"].get("annotations") or {}).get(PREFIX + name)
    try:
        return float(raw) if raw is not None else DEFAULTS[name]
    except ValueError:
        return DEFAULTS[name]


def _sanitize(key: str) -> str:
    return "label_" + "".join(ch if ch.isalnum() else "_" for ch in key)


def render(cluster: SimCluster) -> str:
    families: dict[str, list[str]] = {name: [] for name in HELP}
    now = time.time()
    store = cluster.store
    for pod in store.list(POD):
        _pod_series(families, pod, now, cluster)
    for d in store.list(DEPLOYMENT):
        base = {"namespace": d["metadata"]["namespace"], "deployment": d["metadata"]["name"]}
        status = d.get("status") or {}
        families["kube_deployment_spec_replicas"].append(
            _labels(base) + f" {int((d.get('spec') or {}).get('replicas', 1))}"
        )
        families["kube_deployment_status_replicas_available"].append(
            _labels(base) + f" {int(status.get('availableReplicas', 0))}"
        )
        families["kube_deployment_status_replicas_updated"].append(
            _labels(base) + f" {int(status.get('updatedReplicas', 0))}"
        )
    for node in store.list(NODE):
        alloc = (node.get("status") or {}).get("allocatable") or {}
        for res, unit in (("cpu", "core"), ("memory", "byte"), ("pods", "integer")):
            families["kube_node_status_allocatable"].append(
                _labels({"node": node["metadata"]["name"], "resource": res, "unit": unit})
                + " "
                + _float(quantity(alloc.get(res, "0")))
            )
    out: list[str] = []
    for name, lines in families.items():
        kind, text = HELP[name]
        out.append(f"# HELP {name} {text}")
        out.append(f"# TYPE {name} {kind}")
        out.extend(name + line for line in lines)
    return "\n".join(out) + "\n"


def _pod_series(families: dict[str, list[str]], pod: Obj, now: float, cluster: SimCluster) -> None:
    meta = pod["metadata"]
    ns, name, uid = meta["namespace"], meta["name"], meta["uid"]
    base = {"namespace": ns, "pod": name, "uid": uid}
    status = pod.get("status") or {}
    phase = status.get("phase", "Pending")
    for p in PHASES:
        families["kube_pod_status_phase"].append(
            _labels({**base, "phase": p}) + (" 1" if p == phase else " 0")
        )
    ready = pod_is_ready(pod)
    for cond in ("true", "false", "unknown"):
        value = 1 if (cond == "true") == ready and cond != "unknown" else 0
        families["kube_pod_status_ready"].append(_labels({**base, "condition": cond}) + f" {value}")
    owner = controller_of(pod)
    families["kube_pod_owner"].append(
        _labels(
            {
                **base,
                "owner_kind": owner["kind"] if owner else "",
                "owner_name": owner["name"] if owner else "",
                "owner_is_controller": "true" if owner else "",
            }
        )
        + " 1"
    )
    label_pairs = {_sanitize(k): v for k, v in sorted((meta.get("labels") or {}).items())}
    families["kube_pod_labels"].append(_labels({**base, **label_pairs}) + " 1")
    node = (pod.get("spec") or {}).get("nodeName") or ""
    statuses = {cs["name"]: cs for cs in status.get("containerStatuses") or []}
    started = _started_seconds(status)
    for c in (pod.get("spec") or {}).get("containers") or []:
        cname = c["name"]
        cs = statuses.get(cname, {})
        cbase = {**base, "container": cname}
        families["kube_pod_container_status_restarts_total"].append(
            _labels(cbase) + f" {int(cs.get('restartCount', 0))}"
        )
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            families["kube_pod_container_status_waiting_reason"].append(
                _labels({**cbase, "reason": waiting["reason"]}) + " 1"
            )
        terminated = (cs.get("lastState") or {}).get("terminated")
        if terminated and terminated.get("reason"):
            families["kube_pod_container_status_last_terminated_reason"].append(
                _labels({**cbase, "reason": terminated["reason"]}) + " 1"
            )
        requests = (c.get("resources") or {}).get("requests") or {}
        for res, unit in (("cpu", "core"), ("memory", "byte")):
            if res in requests:
                families["kube_pod_container_resource_requests"].append(
                    _labels({**cbase, "node": node, "resource": res, "unit": unit})
                    + " "
                    + _float(quantity(requests[res]))
                )
        if phase != "Running" or started is None:
            continue
        alive = max(0.0, now - started)
        image = c.get("image", "")
        cad = {
            "container": cname,
            "id": f"/kubepods/pod{uid}/{cname}",
            "image": image,
            "name": f"{name}_{cname}",
            "namespace": ns,
            "pod": name,
        }
        families["container_cpu_usage_seconds_total"].append(
            _labels({**cad, "cpu": "total"})
            + " "
            + _float(round(alive * rate(pod, "cpu-cores"), 6))
        )
        families["container_memory_working_set_bytes"].append(
            _labels(cad) + " " + _float(rate(pod, "memory-bytes"))
        )
        limit = quantity(((c.get("resources") or {}).get("limits") or {}).get("memory"))
        families["container_spec_memory_limit_bytes"].append(_labels(cad) + " " + _float(limit))
        for family, per_s in (
            ("container_fs_reads_bytes_total", "fs-read-bps"),
            ("container_fs_writes_bytes_total", "fs-write-bps"),
        ):
            families[family].append(
                _labels({**cad, "device": "/dev/vda"})
                + " "
                + _float(round(alive * rate(pod, per_s)))
            )
    if phase == "Running" and started is not None:
        alive = max(0.0, now - started)
        sandbox = {
            "container": "",
            "id": f"/kubepods/pod{uid}",
            "image": "",
            "name": "",
            "namespace": ns,
            "pod": name,
            "interface": "eth0",
        }
        for family, per_s in (
            ("container_network_receive_bytes_total", "net-rx-bps"),
            ("container_network_transmit_bytes_total", "net-tx-bps"),
        ):
            families[family].append(
                _labels(sandbox) + " " + _float(round(alive * rate(pod, per_s)))
            )


def _started_seconds(status: Obj) -> float | None:
    start = status.get("startTime")
    if not start:
        return None
    return time.mktime(time.strptime(start, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
