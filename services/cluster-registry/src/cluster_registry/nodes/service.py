"""Node operations on a registered cluster: tag, taint, cordon, drain, remove; capacity."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from cluster_registry.kubeops import NodeView, nodes_with_usage, read_node
from cluster_registry.nodes.schemas import (
    DrainReport,
    LabelChange,
    NodeCapacity,
    NodeOut,
    PodDrainResult,
    ResourceUse,
    TaintChange,
)
from flotilla_runtime.kube import quantity


def node_out(view: NodeView) -> NodeOut:
    return NodeOut(
        name=view.name,
        ready=view.ready,
        unschedulable=view.unschedulable,
        roles=view.roles,
        labels=view.labels,
        taints=view.taints,
        capacity=view.capacity,
        allocatable=view.allocatable,
        kubelet_version=view.kubelet_version,
        pods=view.pods,
    )


async def list_nodes(api: client.ApiClient) -> list[NodeOut]:
    return [node_out(v) for v in await nodes_with_usage(api)]


async def change_labels(api: client.ApiClient, node: str, change: LabelChange) -> None:
    await read_node(api, node)
    labels: dict[str, Any] = {k: None for k in change.remove}
    labels.update(change.set)
    await client.CoreV1Api(api).patch_node(node, {"metadata": {"labels": labels}})


async def change_taints(api: client.ApiClient, node: str, change: TaintChange) -> None:
    current = await read_node(api, node)
    drop = set(change.remove) | {t.key for t in change.add}
    taints = [
        {"key": t.key, "value": t.value or "", "effect": t.effect}
        for t in current.spec.taints or []
        if t.key not in drop
    ]
    taints += [t.model_dump() for t in change.add]
    # Taints have no merge key in a strategic merge: send the whole list.
    await client.CoreV1Api(api).patch_node(node, {"spec": {"taints": taints}}, **_merge_patch())


def _merge_patch() -> Any:
    return {"_content_type": "application/merge-patch+json"}


async def set_unschedulable(api: client.ApiClient, node: str, value: bool) -> None:
    await read_node(api, node)
    await client.CoreV1Api(api).patch_node(node, {"spec": {"unschedulable": value or None}})


def _evictable(pod: Any) -> tuple[bool, str]:
    if pod.metadata.deletion_timestamp:
        return False, "already terminating"
    owners = pod.metadata.owner_references or []
    if any(o.kind == "DaemonSet" for o in owners):
        return False, "DaemonSet pod"
    if (pod.metadata.annotations or {}).get("kubernetes.io/config.mirror"):
        return False, "mirror pod"
    return True, ""


async def drain(
    api: client.ApiClient, node: str, *, timeout_s: float, grace_period_s: int | None
) -> DrainReport:
    """Cordon, then evict every evictable pod through the Eviction API (PDBs honoured),
    retrying the blocked ones until they leave or the timeout passes."""
    start = time.monotonic()
    await set_unschedulable(api, node, True)
    core = client.CoreV1Api(api)
    pods = (await core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}")).items
    results: dict[tuple[str, str], PodDrainResult] = {}
    pending: list[tuple[str, str]] = []
    for pod in pods:
        key = (pod.metadata.namespace, pod.metadata.name)
        ok, why = _evictable(pod)
        if ok:
            pending.append(key)
        else:
            results[key] = PodDrainResult(
                namespace=key[0], pod=key[1], outcome="skipped", message=why
            )
    evicted: set[tuple[str, str]] = set()
    deadline = start + timeout_s
    while True:
        for key in [k for k in pending if k not in evicted]:
            results[key] = await _evict(core, key, grace_period_s)
            if results[key].outcome == "evicted":
                evicted.add(key)
        remaining_pods = {
            (p.metadata.namespace, p.metadata.name)
            for p in (
                await core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node}")
            ).items
        }
        done = all(k not in remaining_pods for k in pending)
        if done or time.monotonic() >= deadline:
            break
        await asyncio.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    for key in pending:
        if results[key].outcome == "evicted" and key in remaining_pods:
            results[key] = PodDrainResult(
                namespace=key[0],
                pod=key[1],
                outcome="failed",
                message="evicted but still terminating at the timeout",
            )
    completed = all(k not in remaining_pods for k in pending)
    return DrainReport(
        node=node,
        completed=completed,
        pods=sorted(results.values(), key=lambda r: (r.namespace, r.pod)),
        elapsed_s=round(time.monotonic() - start, 2),
    )


async def _evict(
    core: client.CoreV1Api, key: tuple[str, str], grace_period_s: int | None
) -> PodDrainResult:
    namespace, name = key
    body = client.V1Eviction(
        metadata=client.V1ObjectMeta(name=name, namespace=namespace),
        delete_options=client.V1DeleteOptions(grace_period_seconds=grace_period_s)
        if grace_period_s is not None
        else None,
    )
    try:
        await core.create_namespaced_pod_eviction(name, namespace, body)
    except ApiException as exc:
        if exc.status == 404:
            return PodDrainResult(
                namespace=namespace, pod=name, outcome="evicted", message="already gone"
            )
        if exc.status == 429:
            return PodDrainResult(
                namespace=namespace,
                pod=name,
                outcome="blocked",
                message="a PodDisruptionBudget does not allow it now",
            )
        return PodDrainResult(
            namespace=namespace, pod=name, outcome="failed", message=f"{exc.status} {exc.reason}"
        )
    return PodDrainResult(namespace=namespace, pod=name, outcome="evicted")


async def delete_node(api: client.ApiClient, node: str) -> None:
    await client.CoreV1Api(api).delete_node(node)


def capacity(nodes: list[NodeView]) -> tuple[list[NodeCapacity], dict[str, ResourceUse]]:
    per_node = []
    totals = {k: ResourceUse(allocatable=0.0, requested=0.0) for k in ("cpu", "memory", "pods")}
    for n in nodes:
        entry = NodeCapacity(
            node=n.name,
            cpu=ResourceUse(
                allocatable=quantity(n.allocatable.get("cpu")),
                requested=round(n.requested.get("cpu", 0.0), 3),
            ),
            memory=ResourceUse(
                allocatable=quantity(n.allocatable.get("memory")),
                requested=n.requested.get("memory", 0.0),
            ),
            pods=ResourceUse(allocatable=quantity(n.allocatable.get("pods")), requested=n.pods),
        )
        per_node.append(entry)
        for kind in totals:
            use: ResourceUse = getattr(entry, kind)
            totals[kind].allocatable += use.allocatable
            totals[kind].requested += use.requested
    return per_node, totals
