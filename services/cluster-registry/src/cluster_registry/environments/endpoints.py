"""/v1/environments."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from cluster_registry.clusters.endpoints import IfMatch
from cluster_registry.deps import CipherDep
from cluster_registry.environments import service
from cluster_registry.environments.repository import EnvironmentRepository
from cluster_registry.environments.schemas import EnvironmentCreate, EnvironmentOut, PlacementSet
from flotilla_contracts.policy import EnvironmentPolicy
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Admin, Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES, answered_with
from flotilla_runtime.params import NamePath

router = APIRouter(tags=["environments"], responses=PROBLEM_RESPONSES)


@router.post(
    "/environments",
    status_code=201,
    operation_id="createEnvironment",
    responses=answered_with(201, "Location", "ETag"),
    summary="Create an environment; its namespaces are created in each cluster",
)
async def create_environment(
    data: EnvironmentCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> EnvironmentOut:
    async with audited(
        request,
        session,
        principal,
        "environment.create",
        data.name,
        {"clusters": {p.cluster: p.namespace for p in data.clusters}},
    ):
        env = await service.create(session, cipher, data)
    response.headers["Location"] = f"/v1/environments/{env.name}"
    response.headers["ETag"] = service.etag(env)
    return await service.render(session, env)


@router.get("/environments", operation_id="listEnvironments", summary="List environments")
async def list_environments(session: SessionDep, _: Viewer) -> list[EnvironmentOut]:
    rows = await EnvironmentRepository(session).all()
    return [await service.render(session, env) for env in rows]


@router.get(
    "/environments/{name}",
    operation_id="getEnvironment",
    summary="Get an environment",
    responses=answered_with(200, "ETag"),
)
async def get_environment(
    name: NamePath, response: Response, session: SessionDep, _: Viewer
) -> EnvironmentOut:
    env = await service.get(session, name)
    response.headers["ETag"] = service.etag(env)
    return await service.render(session, env)


@router.put(
    "/environments/{name}/policy",
    operation_id="setEnvironmentPolicy",
    summary="Set who may release, roll back, scale, control and isolate here, and approvals",
    description=(
        "Replaces the whole policy (a rule left out is back at its default: developers of the "
        "app's team). release-api enforces it on the next request; a release already held for "
        "approval is judged by the policy at the time it is approved. The before and after "
        "are in the audit log and in an `io.flotilla.environment.changed` event."
    ),
    responses={
        412: {"description": "If-Match names an older revision"},
        **answered_with(200, "ETag"),
    },
)
async def set_policy(
    name: NamePath,
    policy: EnvironmentPolicy,
    request: Request,
    response: Response,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
    if_match: IfMatch = None,
) -> EnvironmentOut:
    async with audited(request, session, principal, "environment.policy", name) as detail:
        before = await service.get(session, name)
        detail["before"] = service.policy_of(before).model_dump(mode="json")
        detail["after"] = policy.model_dump(mode="json")
        env = await service.set_policy(session, cipher, name, policy, if_match)
    response.headers["ETag"] = service.etag(env)
    return await service.render(session, env)


@router.put(
    "/environments/{name}/clusters/{cluster}",
    operation_id="placeEnvironment",
    summary="Map the environment to a cluster and namespace (creates the namespace)",
)
async def place(
    name: NamePath,
    cluster: NamePath,
    data: PlacementSet,
    request: Request,
    session: SessionDep,
    cipher: CipherDep,
    principal: Admin,
) -> EnvironmentOut:
    async with audited(
        request,
        session,
        principal,
        "environment.map",
        name,
        {"cluster": cluster, "namespace": data.namespace},
    ):
        env = await service.place(session, cipher, name, cluster, data.namespace)
    return await service.render(session, env)


@router.delete(
    "/environments/{name}/clusters/{cluster}",
    status_code=204,
    operation_id="unplaceEnvironment",
    summary="Remove a cluster from an environment",
)
async def unplace(
    name: NamePath, cluster: NamePath, request: Request, session: SessionDep, principal: Admin
) -> None:
    async with audited(
        request, session, principal, "environment.unmap", name, {"cluster": cluster}
    ):
        await service.unplace(session, name, cluster)


@router.delete(
    "/environments/{name}",
    status_code=204,
    operation_id="deleteEnvironment",
    summary="Delete an environment (its namespaces stay in the clusters)",
)
async def delete_environment(
    name: NamePath, request: Request, session: SessionDep, principal: Admin
) -> None:
    async with audited(request, session, principal, "environment.delete", name):
        await service.remove(session, name)
