"""The resource metrics API (metrics.k8s.io/v1beta1, what metrics-server serves): `kubectl top`.

NodeMetrics and PodMetrics from the same simulated usage as kubesim's cAdvisor series
(kubesim.metrics.rate: the pod's `kubesim.flotilla.io/cpu-cores` and `memory-bytes`
annotations, or their defaults), for running pods; a node's usage is its pods' sum. Read-only,
as on a real cluster: https://github.com/kubernetes/metrics (pkg/apis/metrics/v1beta1).
"""

from __future__ import annotations

from typing import Any

from kubesim.metrics import rate
from kubesim.resources import resource
from kubesim.store import ApiError, Obj, Store, now_iso

GROUP_VERSION = "metrics.k8s.io/v1beta1"
PREFIX = "/apis/" + GROUP_VERSION
POD = resource("Pod")
NODE = resource("Node")
WINDOW = "10s"


def discovery() -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics"}
            | {"verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics"}
            | {"verbs": ["get", "list"]},
        ],
    }


def _usage(cpu_cores: float, memory_bytes: float) -> dict[str, str]:
    return {"cpu": f"{round(cpu_cores * 1e9)}n", "memory": f"{round(memory_bytes / 1024)}Ki"}


def _running(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running"


def _pod_metrics(pod: Obj) -> dict[str, Any]:
    containers = (pod.get("spec") or {}).get("containers") or []
    share = max(1, len(containers))
    cpu, memory = rate(pod, "cpu-cores") / share, rate(pod, "memory-bytes") / share
    meta = pod["metadata"]
    return {
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "labels": meta.get("labels") or {},
            "creationTimestamp": now_iso(),
        },
        "timestamp": now_iso(),
        "window": WINDOW,
        "containers": [{"name": c["name"], "usage": _usage(cpu, memory)} for c in containers],
    }


def _node_metrics(node: Obj, pods: list[Obj]) -> dict[str, Any]:
    name = node["metadata"]["name"]
    mine = [p for p in pods if (p.get("spec") or {}).get("nodeName") == name]
    cpu = 0.1 + sum(rate(p, "cpu-cores") for p in mine)  # the node's own daemons
    memory = 512 * 2**20 + sum(rate(p, "memory-bytes") for p in mine)
    return {
        "metadata": {"name": name, "labels": node["metadata"].get("labels") or {}},
        "timestamp": now_iso(),
        "window": WINDOW,
        "usage": _usage(cpu, memory),
    }


def answer(store: Store, path: str) -> dict[str, Any]:
    """GET of a metrics.k8s.io path (404 for what the API does not have)."""
    parts = [p for p in path[len(PREFIX) :].split("/") if p]
    if not parts:
        return discovery()
    pods = [p for p in store.list(POD) if _running(p)]
    if parts[0] == "nodes" and len(parts) <= 2:
        nodes = store.list(NODE)
        items = [_node_metrics(n, pods) for n in nodes]
        return _one_or_list(items, parts[1] if len(parts) == 2 else None, "NodeMetrics")
    namespace = None
    if parts[0] == "namespaces" and len(parts) >= 3:
        namespace, parts = parts[1], parts[2:]
    if parts[0] == "pods" and len(parts) <= 2:
        chosen = [p for p in pods if namespace in (None, p["metadata"]["namespace"])]
        items = [_pod_metrics(p) for p in chosen]
        return _one_or_list(items, parts[1] if len(parts) == 2 else None, "PodMetrics")
    raise ApiError(404, "NotFound", "the server could not find the requested resource")


def _one_or_list(items: list[dict[str, Any]], name: str | None, kind: str) -> dict[str, Any]:
    if name is None:
        return {
            "kind": f"{kind}List",
            "apiVersion": GROUP_VERSION,
            "metadata": {},
            "items": [{"kind": kind, "apiVersion": GROUP_VERSION, **i} for i in items],
        }
    for item in items:
        if item["metadata"]["name"] == name:
            return {"kind": kind, "apiVersion": GROUP_VERSION, **item}
    raise ApiError(404, "NotFound", f'{kind.lower()} "{name}" not found')
