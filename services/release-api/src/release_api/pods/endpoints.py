"""/v1/apps/{app}/envs/{env}/...pods: isolate a pod for a post-mortem, list, delete."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.policy import PolicyAction
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Principal, Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NamePath, ObjectPath
from release_api import policy
from release_api.apps import service as apps
from release_api.clients import Placement, Registry
from release_api.deps import ClustersDep, RegistryDep
from release_api.pods import service
from release_api.pods.schemas import IsolatedPod

router = APIRouter(tags=["pods"], responses=PROBLEM_RESPONSES)


async def acting_in(
    session: AsyncSession, registry: Registry, who: Principal, app: str, env: str, cluster: str
) -> Placement:
    """The app's team check and the environment's `isolate` rule; where `env` puts the app in
    `cluster` (404 when the env has no such cluster)."""
    apps.check_access(who, await apps.get(session, app))
    target = await registry.target(env)
    policy.authorize(who, env, target.policy, PolicyAction.ISOLATE)
    return target.placement(cluster)


@router.post(
    "/apps/{app}/envs/{env}/clusters/{cluster}/pods/{pod}/isolate",
    operation_id="isolatePod",
    summary="Detach a pod from its Deployment and Service; keep it for a post-mortem",
)
async def isolate_pod(
    app: NamePath,
    env: NamePath,
    cluster: NamePath,
    pod: ObjectPath,
    request: Request,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> IsolatedPod:
    async with audited(request, session, who, "pod.isolate", app, {"cluster": cluster, "pod": pod}):
        placement = await acting_in(session, registry, who, app, env, cluster)
        return await service.isolate(
            session, clusters, placement, app=app, env=env, pod=pod, by=who.subject
        )


@router.get(
    "/apps/{app}/envs/{env}/isolated-pods",
    operation_id="listIsolatedPods",
    summary="Pods isolated for a post-mortem, in every cluster of the env",
)
async def list_isolated(
    app: NamePath,
    env: NamePath,
    request: Request,
    session: SessionDep,
    _: Viewer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> list[IsolatedPod]:
    await apps.get(session, app)
    return await service.isolated(
        clusters, (await registry.target(env)).placements, app=app, env=env
    )


@router.delete(
    "/apps/{app}/envs/{env}/clusters/{cluster}/isolated-pods/{pod}",
    status_code=204,
    operation_id="deleteIsolatedPod",
    summary="Delete an isolated pod once the post-mortem is done",
)
async def delete_isolated(
    app: NamePath,
    env: NamePath,
    cluster: NamePath,
    pod: ObjectPath,
    request: Request,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> Response:
    async with audited(request, session, who, "pod.delete", app, {"cluster": cluster, "pod": pod}):
        placement = await acting_in(session, registry, who, app, env, cluster)
        await service.delete(clusters, placement, app=app, env=env, pod=pod)
    return Response(status_code=204)
