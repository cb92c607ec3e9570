"""/v1/clusters: thin endpoints over clusters.service; every mutation is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from cluster_registry.clusters import service
from cluster_registry.clusters.repository import ClusterRepository
from cluster_registry.clusters.schemas import (
    ClusterCreate,
    ClusterOut,
    ClusterPage,
    ClusterUpdate,
    CredentialsRotate,
    LabelSelector,
)
from cluster_registry.deps import CipherDep, ConnectionReader, SettingsDep, TargetsDep
from flotilla_contracts import ClusterConnection
from flotilla_contracts.enums import ClusterProvider, ClusterStatus
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Admin, Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES, answered_with
from flotilla_runtime.params import NamePath, NameQuery

Force = Annotated[
    bool, Query(description="deregister even while environments still map the cluster")
]

router = APIRouter(tags=["clusters"], responses=PROBLEM_RESPONSES)
IfMatch = Annotated[str | None, Header(description="ETag from a GET; 412 if it changed")]


async def _one(session: SessionDep, cluster: object, response: Response) -> ClusterOut:
    (out,) = await service.render(session, [cluster])  # type: ignore[list-item]
    response.headers["ETag"] = f'W/"{out.revision}"'
    return out


@router.post(
    "/clusters",
    status_code=201,
    operation_id="registerCluster",
    summary="Register a cluster (its credentials are checked against it first)",
    responses={
        502: {"description": "The cluster could not be reached"},
        **answered_with(201, "Location", "ETag"),
    },
)
async def register_cluster(
    data: ClusterCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    targets: TargetsDep,
    principal: Admin,
) -> ClusterOut:
    async with audited(
        request,
        session,
        principal,
        "cluster.register",
        data.name,
        {"idc": data.idc, "provider": data.provider.value},
    ):
        cluster = await service.register(
            session, cipher, data, timeout_s=settings.probe_timeout_s, targets=targets
        )
    response.headers["Location"] = f"/v1/clusters/{cluster.name}"
    return await _one(session, cluster, response)


@router.get("/clusters", operation_id="listClusters", summary="List clusters")
async def list_clusters(
    session: SessionDep,
    _: Viewer,
    idc: NameQuery = None,
    provider: Annotated[
        ClusterProvider | None, Query(description="only clusters of this provider")
    ] = None,
    status: Annotated[
        ClusterStatus | None, Query(description="only clusters in this state")
    ] = None,
    environment: NameQuery = None,
    label: Annotated[
        list[LabelSelector] | None, Query(description="key=value; repeat to AND")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many per page")] = 100,
    cursor: Annotated[str | None, Query(max_length=200, description="a next_cursor")] = None,
) -> ClusterPage:
    labels = {}
    for item in label or []:  # a label key has no '=' (LabelSelector's pattern)
        key, _sep, value = item.partition("=")
        labels[key] = value
    rows = await ClusterRepository(session).page(
        limit=limit + 1,
        after=service.decode_cursor(cursor),
        idc=idc,
        provider=provider.value if provider else None,
        status=status.value if status else None,
        environment=environment,
        labels=labels or None,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ClusterPage(
        items=await service.render(session, rows),
        next_cursor=service.encode_cursor(rows[-1].name) if more else None,
    )


@router.get(
    "/clusters/{name}",
    operation_id="getCluster",
    summary="Get a cluster",
    responses=answered_with(200, "ETag"),
)
async def get_cluster(
    name: NamePath, response: Response, session: SessionDep, _: Viewer
) -> ClusterOut:
    return await _one(session, await service.get(session, name), response)


@router.patch(
    "/clusters/{name}",
    operation_id="updateCluster",
    summary="Change a cluster's IDC, provider, API server or labels (a new API server is "
    "verified with the stored credentials first)",
    responses={
        502: {"description": "The new API server could not be reached"},
        **answered_with(200, "ETag"),
    },
)
async def update_cluster(
    name: NamePath,
    data: ClusterUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    targets: TargetsDep,
    principal: Admin,
    if_match: IfMatch = None,
) -> ClusterOut:
    async with audited(
        request,
        session,
        principal,
        "cluster.update",
        name,
        {"fields": sorted(data.model_dump(exclude_unset=True))},
    ):
        cluster = await service.update(
            session,
            cipher,
            name,
            data,
            if_match,
            timeout_s=settings.probe_timeout_s,
            targets=targets,
        )
    return await _one(session, cluster, response)


@router.post(
    "/clusters/{name}/credentials",
    operation_id="rotateClusterCredentials",
    summary="Replace a cluster's credentials (the new ones are checked first)",
    responses={
        502: {"description": "The cluster could not be reached"},
        **answered_with(200, "ETag"),
    },
)
async def rotate_credentials(
    name: NamePath,
    data: CredentialsRotate,
    request: Request,
    response: Response,
    session: SessionDep,
    cipher: CipherDep,
    settings: SettingsDep,
    targets: TargetsDep,
    principal: Admin,
    if_match: IfMatch = None,
) -> ClusterOut:
    async with audited(request, session, principal, "cluster.rotate_credentials", name):
        cluster = await service.rotate_credentials(
            session,
            cipher,
            name,
            data.credentials,
            timeout_s=settings.probe_timeout_s,
            if_match=if_match,
            targets=targets,
        )
    return await _one(session, cluster, response)


@router.delete(
    "/clusters/{name}",
    status_code=204,
    operation_id="deregisterCluster",
    summary="Deregister a cluster (refused while environments map to it)",
)
async def deregister_cluster(
    name: NamePath, request: Request, session: SessionDep, principal: Admin, force: Force = False
) -> None:
    async with audited(request, session, principal, "cluster.deregister", name, {"force": force}):
        await service.deregister(session, name, force=force)


@router.get(
    "/internal/clusters/{name}/connection",
    operation_id="getClusterConnection",
    summary="How to reach a cluster, credentials decrypted (release-api, k8s-sync and "
    "monitor-gateway's service tokens only)",
    tags=["internal"],
)
async def cluster_connection(
    name: NamePath, session: SessionDep, cipher: CipherDep, _: ConnectionReader
) -> ClusterConnection:
    return service.unseal(cipher, await service.get(session, name))
