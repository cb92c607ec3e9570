"""/v1/clusters/{name}/nodes and capacity: live from the cluster, mutations audited."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Query, Request
from kubernetes_asyncio import client
from sqlalchemy.ext.asyncio import AsyncSession

from cluster_registry.clusters import service as clusters
from cluster_registry.clusters.repository import ClusterRepository
from cluster_registry.deps import CipherDep, SettingsDep
from cluster_registry.errors import ClusterApiError, ClusterUnreachable, CredentialsRejected
from cluster_registry.kubeops import connected, nodes_with_usage
from cluster_registry.models import Cluster
from cluster_registry.nodes import service
from cluster_registry.nodes.schemas import (
    ClusterCapacity,
    DrainReport,
    DrainRequest,
    IdcCapacity,
    LabelChange,
    NodeOut,
    ResourceUse,
    TaintChange,
)
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Admin, Principal, Viewer
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NamePath, NameQuery, ObjectPath

Force = Annotated[bool, Query(description="remove the node even when its drain did not finish")]

router = APIRouter(tags=["nodes"], responses=PROBLEM_RESPONSES)
capacity_router = APIRouter(tags=["capacity"], responses=PROBLEM_RESPONSES)


@asynccontextmanager
async def cluster_api(
    session: AsyncSession, cipher: CredentialCipher, name: str
) -> AsyncIterator[client.ApiClient]:
    cluster = await clusters.get(session, name)
    async with connected(clusters.unseal(cipher, cluster)) as api:
        yield api


@router.get("/clusters/{name}/nodes", operation_id="listNodes", summary="Nodes of a cluster")
async def list_nodes(
    name: NamePath, session: SessionDep, cipher: CipherDep, _: Viewer
) -> list[NodeOut]:
    async with cluster_api(session, cipher, name) as api:
        return await service.list_nodes(api)


@router.post(
    "/clusters/{name}/nodes/{node}/labels",
    operation_id="changeNodeLabels",
    summary="Tag or untag a node",
    status_code=204,
)
async def change_labels(
    name: NamePath,
    node: ObjectPath,
    change: LabelChange,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> None:
    async with audited(
        request,
        session,
        principal,
        "node.labels",
        f"{name}/{node}",
        {"set": change.set, "remove": change.remove},
    ):
        async with cluster_api(session, cipher, name) as api:
            await service.change_labels(api, node, change)
        await clusters.node_event(
            session,
            name,
            node,
            "tagged",
            set=",".join(f"{k}={v}" for k, v in change.set.items()),
            remove=",".join(change.remove),
        )


@router.post(
    "/clusters/{name}/nodes/{node}/taints",
    operation_id="changeNodeTaints",
    summary="Add or remove taints",
    status_code=204,
)
async def change_taints(
    name: NamePath,
    node: ObjectPath,
    change: TaintChange,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> None:
    async with audited(
        request, session, principal, "node.taints", f"{name}/{node}", change.model_dump()
    ):
        async with cluster_api(session, cipher, name) as api:
            await service.change_taints(api, node, change)
        await clusters.node_event(
            session,
            name,
            node,
            "tainted",
            add=",".join(t.key for t in change.add),
            remove=",".join(change.remove),
        )


async def _schedulable(
    request: Request,
    session: AsyncSession,
    cipher: CredentialCipher,
    principal: Principal,
    name: str,
    node: str,
    *,
    cordon: bool,
) -> None:
    action = "cordon" if cordon else "uncordon"
    async with audited(request, session, principal, f"node.{action}", f"{name}/{node}"):
        async with cluster_api(session, cipher, name) as api:
            await service.set_unschedulable(api, node, cordon)
        await clusters.node_event(session, name, node, f"{action}ed")


@router.post(
    "/clusters/{name}/nodes/{node}/cordon",
    operation_id="cordonNode",
    summary="Mark a node unschedulable",
    status_code=204,
)
async def cordon(
    name: NamePath,
    node: ObjectPath,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> None:
    await _schedulable(request, session, cipher, principal, name, node, cordon=True)


@router.post(
    "/clusters/{name}/nodes/{node}/uncordon",
    operation_id="uncordonNode",
    summary="Mark a node schedulable again",
    status_code=204,
)
async def uncordon(
    name: NamePath,
    node: ObjectPath,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> None:
    await _schedulable(request, session, cipher, principal, name, node, cordon=False)


@router.post(
    "/clusters/{name}/nodes/{node}/drain",
    operation_id="drainNode",
    summary="Cordon and evict every pod (PodDisruptionBudgets honoured)",
)
async def drain(
    name: NamePath,
    node: ObjectPath,
    data: DrainRequest,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> DrainReport:
    async with audited(
        request, session, principal, "node.drain", f"{name}/{node}", {"timeout_s": data.timeout_s}
    ) as detail:
        async with cluster_api(session, cipher, name) as api:
            report = await service.drain(
                api, node, timeout_s=data.timeout_s, grace_period_s=data.grace_period_s
            )
        detail["completed"] = report.completed
        detail["blocked"] = [
            f"{p.namespace}/{p.pod}" for p in report.pods if p.outcome == "blocked"
        ]
        await clusters.node_event(session, name, node, "drained", completed=report.completed)
    return report


@router.delete(
    "/clusters/{name}/nodes/{node}",
    operation_id="removeNode",
    summary="Remove a node: cordon, drain, then delete the Node object",
)
async def remove_node(
    name: NamePath,
    node: ObjectPath,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
    timeout_s: Annotated[float, Query(gt=0, le=3600, description="drain deadline")] = 60.0,
    force: Force = False,
) -> DrainReport:
    async with audited(
        request, session, principal, "node.remove", f"{name}/{node}", {"force": force}
    ) as detail:
        async with cluster_api(session, cipher, name) as api:
            report = await service.drain(api, node, timeout_s=timeout_s, grace_period_s=None)
            detail["completed"] = report.completed
            if report.completed or force:
                await service.delete_node(api, node)
        if not (report.completed or force):
            raise ClusterApiError(
                f"node {node!r} did not drain within {timeout_s:g} s; "
                "it stays cordoned (retry, or pass force=true)",
                report=report.model_dump(),
            )
        await clusters.node_event(session, name, node, "removed")
    return report


@capacity_router.get(
    "/clusters/{name}/capacity",
    operation_id="clusterCapacity",
    summary="Allocatable versus requested CPU, memory and pods",
)
async def cluster_capacity(
    name: NamePath, session: SessionDep, cipher: CipherDep, _: Viewer
) -> ClusterCapacity:
    cluster = await clusters.get(session, name)
    async with connected(clusters.unseal(cipher, cluster)) as api:
        nodes = await nodes_with_usage(api)
    per_node, totals = service.capacity(nodes)
    return ClusterCapacity(
        cluster=name,
        idc=cluster.idc,
        nodes=per_node,
        cpu=totals["cpu"],
        memory=totals["memory"],
        pods=totals["pods"],
    )


@capacity_router.get(
    "/capacity", operation_id="idcCapacity", summary="Totals per IDC over every registered cluster"
)
async def idc_capacity(
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    _: Viewer,
    idc: NameQuery = None,
) -> list[IdcCapacity]:
    rows = await ClusterRepository(session).all()
    rows = [c for c in rows if idc is None or c.idc == idc]

    async def one(cluster: Cluster) -> tuple[Cluster, dict[str, ResourceUse] | Exception]:
        """A cluster that does not answer within the probe timeout counts as unreachable:
        one slow cluster must not hold the whole answer."""
        async with semaphore:
            try:
                async with asyncio.timeout(settings.probe_timeout_s * 2):
                    async with connected(clusters.unseal(cipher, cluster)) as api:
                        return cluster, service.capacity(await nodes_with_usage(api))[1]
            except (ClusterUnreachable, CredentialsRejected, TimeoutError) as exc:
                return cluster, exc

    semaphore = asyncio.Semaphore(settings.probe_concurrency)
    results = await asyncio.gather(*(one(c) for c in rows))
    by_idc: dict[str, IdcCapacity] = {}
    for cluster, totals in results:
        entry = by_idc.setdefault(
            cluster.idc,
            IdcCapacity(
                idc=cluster.idc,
                clusters=[],
                cpu=ResourceUse(allocatable=0, requested=0),
                memory=ResourceUse(allocatable=0, requested=0),
                pods=ResourceUse(allocatable=0, requested=0),
            ),
        )
        if isinstance(totals, Exception):
            entry.unreachable.append(cluster.name)
            continue
        entry.clusters.append(cluster.name)
        for kind, use in totals.items():
            total: ResourceUse = getattr(entry, kind)
            total.allocatable += use.allocatable
            total.requested += use.requested
    return sorted(by_idc.values(), key=lambda e: e.idc)
