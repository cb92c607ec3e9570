"""/v1/apps/{app}/envs/{env}/...pods: isolate a pod for a post-mortem, list, delete."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_contracts import labels
from flotilla_contracts.events import PodIsolatedV1
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES, NotFound
from flotilla_runtime.outbox import add_event
from release_api import kubeops
from release_api.apps import service as apps
from release_api.deps import ClustersDep, RegistryDep, placement_of
from release_api.pods.schemas import IsolatedPod
from release_api.releases.events import SOURCE

router = APIRouter(tags=["pods"], responses=PROBLEM_RESPONSES)


@router.post(
    "/apps/{app}/envs/{env}/clusters/{cluster}/pods/{pod}/isolate",
    operation_id="isolatePod",
    summary="Detach a pod from its Deployment and Service; keep it for a post-mortem",
)
async def isolate_pod(
    app: str,
    env: str,
    cluster: str,
    pod: str,
    request: Request,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> IsolatedPod:
    apps.check_access(who, await apps.get(session, app))
    placement = await placement_of(registry, env, cluster)
    async with audited(request, session, who, "pod.isolate", app, {"cluster": cluster, "pod": pod}):
        api = await clusters.api(cluster)
        try:
            obj = await kubeops.isolate_pod(
                api,
                placement.namespace,
                pod,
                app=app,
                by=who.subject,
                at=datetime.now(UTC).isoformat(),
            )
        except ApiException as exc:
            if exc.status == 404:
                raise NotFound(f"no pod {pod} in {cluster}/{placement.namespace}") from None
            raise
        except LookupError as exc:
            raise NotFound(str(exc)) from None
        await add_event(
            session,
            PodIsolatedV1(
                app=app,
                env=env,
                cluster=cluster,
                namespace=placement.namespace,
                pod=pod,
                by=who.subject,
            ),
            source=SOURCE,
            key=app,
        )
    return _isolated(cluster, obj)


@router.get(
    "/apps/{app}/envs/{env}/isolated-pods",
    operation_id="listIsolatedPods",
    summary="Pods isolated for a post-mortem, in every cluster of the env",
)
async def list_isolated(
    app: str,
    env: str,
    request: Request,
    session: SessionDep,
    _: Viewer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> list[IsolatedPod]:
    await apps.get(session, app)
    out: list[IsolatedPod] = []
    for placement in await registry.placements(env):
        api = await clusters.api(placement.cluster)
        for obj in await kubeops.isolated_pods(api, placement.namespace, app, env):
            out.append(_isolated(placement.cluster, obj))
    return out


@router.delete(
    "/apps/{app}/envs/{env}/clusters/{cluster}/isolated-pods/{pod}",
    status_code=204,
    operation_id="deleteIsolatedPod",
    summary="Delete an isolated pod once the post-mortem is done",
)
async def delete_isolated(
    app: str,
    env: str,
    cluster: str,
    pod: str,
    request: Request,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> Response:
    apps.check_access(who, await apps.get(session, app))
    placement = await placement_of(registry, env, cluster)
    async with audited(request, session, who, "pod.delete", app, {"cluster": cluster, "pod": pod}):
        api = await clusters.api(cluster)
        isolated = {
            (o.get("metadata") or {}).get("name")
            for o in await kubeops.isolated_pods(api, placement.namespace, app, env)
        }
        if pod not in isolated:
            raise NotFound(f"{pod} is not an isolated pod of {app} in {cluster}")
        await kubeops.delete_pod(api, placement.namespace, pod)
    return Response(status_code=204)


def _isolated(cluster: str, obj: dict[str, Any]) -> IsolatedPod:
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return IsolatedPod(
        cluster=cluster,
        namespace=meta.get("namespace", ""),
        pod=meta.get("name", ""),
        phase=(obj.get("status") or {}).get("phase", ""),
        isolated_at=annotations.get(labels.ISOLATED_AT),
        isolated_by=annotations.get(labels.ISOLATED_BY),
    )
