"""What cluster-registry asks of a cluster, through kubernetes-asyncio.

Connection failures become ClusterUnreachable (502), rejected credentials CredentialsRejected
(422), other API errors ClusterApiError (502) — never a stack trace, never the token.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.errors import (
    ClusterApiError,
    ClusterUnreachable,
    CredentialsRejected,
    InvalidCredentials,
    NodeNotFound,
)
from flotilla_contracts import ClusterConnection
from flotilla_runtime.kube import KubeconfigError, api_client, quantity

ROLE_PREFIX = "node-role.kubernetes.io/"


@asynccontextmanager
async def connected(connection: ClusterConnection) -> AsyncIterator[client.ApiClient]:
    try:
        api = await api_client(connection)
    except (KubeconfigError, ValueError, OSError) as exc:
        raise InvalidCredentials(f"cannot build a client: {exc}") from exc
    try:
        async with api:
            yield api
    except ApiException as exc:
        if exc.status in (401, 403):
            raise CredentialsRejected(
                f"the API server answered {exc.status} {exc.reason}"
            ) from None
        if exc.status == 404:
            raise
        raise ClusterApiError(f"the API server answered {exc.status} {exc.reason}") from None
    except (aiohttp.ClientError, ssl.SSLError, TimeoutError, OSError) as exc:
        raise ClusterUnreachable(
            f"{connection.api_server}: {type(exc).__name__}: {str(exc)[:200]}"
        ) from None


@dataclass
class NodeView:
    name: str
    ready: bool
    unschedulable: bool
    roles: list[str]
    labels: dict[str, str]
    taints: list[dict[str, str]]
    capacity: dict[str, str]
    allocatable: dict[str, str]
    kubelet_version: str
    pods: int = 0
    requested: dict[str, float] = field(default_factory=dict)


def node_view(node: Any) -> NodeView:
    labels = dict(node.metadata.labels or {})
    ready = any(c.type == "Ready" and c.status == "True" for c in (node.status.conditions or []))
    return NodeView(
        name=node.metadata.name,
        ready=ready,
        unschedulable=bool(node.spec.unschedulable),
        roles=sorted(k[len(ROLE_PREFIX) :] for k in labels if k.startswith(ROLE_PREFIX)),
        labels=labels,
        taints=[
            {"key": t.key, "value": t.value or "", "effect": t.effect}
            for t in node.spec.taints or []
        ],
        capacity=dict(node.status.capacity or {}),
        allocatable=dict(node.status.allocatable or {}),
        kubelet_version=(node.status.node_info.kubelet_version if node.status.node_info else ""),
    )


@dataclass
class Probe:
    version: str
    nodes: list[NodeView]
    latency_ms: float


async def probe(connection: ClusterConnection, *, timeout_s: float, targets: TargetPolicy) -> Probe:
    """`/version` and the node list, within `timeout_s`, from an address `targets` allows."""
    start = time.perf_counter()
    await targets.check(connection.api_server)
    try:
        async with asyncio.timeout(timeout_s), connected(connection) as api:
            version = await client.VersionApi(api).get_code(_request_timeout=timeout_s)
            nodes = await client.CoreV1Api(api).list_node(_request_timeout=timeout_s)
    except TimeoutError as exc:
        raise ClusterUnreachable(
            f"{connection.api_server}: no answer within {timeout_s:g} s"
        ) from exc
    return Probe(
        version=version.git_version,
        nodes=[node_view(n) for n in nodes.items],
        latency_ms=(time.perf_counter() - start) * 1000,
    )


async def nodes_with_usage(api: client.ApiClient) -> list[NodeView]:
    """Nodes with their pod count and the CPU / memory their pods request."""
    core = client.CoreV1Api(api)
    nodes = [node_view(n) for n in (await core.list_node()).items]
    by_name = {n.name: n for n in nodes}
    pods = await core.list_pod_for_all_namespaces(field_selector="status.phase!=Succeeded")
    for pod in pods.items:
        node = by_name.get(pod.spec.node_name or "")
        if node is None or pod.metadata.deletion_timestamp or pod.status.phase == "Failed":
            continue
        node.pods += 1
        for container in pod.spec.containers:
            requests = (container.resources.requests if container.resources else None) or {}
            node.requested["cpu"] = node.requested.get("cpu", 0.0) + quantity(requests.get("cpu"))
            node.requested["memory"] = node.requested.get("memory", 0.0) + quantity(
                requests.get("memory")
            )
    return nodes


async def read_node(api: client.ApiClient, name: str) -> Any:
    try:
        return await client.CoreV1Api(api).read_node(name)
    except ApiException as exc:
        if exc.status == 404:
            raise NodeNotFound(f"no node {name!r}") from None
        raise


async def ensure_namespace(api: client.ApiClient, namespace: str, labels: dict[str, str]) -> bool:
    """Create the namespace (or add our labels to it); True if it was created."""
    core = client.CoreV1Api(api)
    try:
        await core.read_namespace(namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise
        await core.create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace, labels=labels))
        )
        return True
    await core.patch_namespace(namespace, {"metadata": {"labels": labels}})
    return False
