"""/v1/apps/{app}/envs/{env}/scale: the replicas of an app in every cluster of an env."""

from __future__ import annotations

from fastapi import APIRouter, Request
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_contracts.enums import Stage
from flotilla_contracts.events import AppScaledV1
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES, DependencyFailed, NotFound
from flotilla_runtime.outbox import add_event
from release_api import kubeops
from release_api.apps import service as apps
from release_api.apps.schemas import ScaleOut, ScaleRequest
from release_api.deps import ClustersDep, RegistryDep
from release_api.manifests.render import object_name
from release_api.releases.events import SOURCE

router = APIRouter(tags=["apps"], responses=PROBLEM_RESPONSES)


@router.put(
    "/apps/{app}/envs/{env}/scale",
    operation_id="scaleApp",
    summary="Set the replicas of an app in every cluster of an env (or one)",
)
async def scale_app(
    app: str,
    env: str,
    data: ScaleRequest,
    request: Request,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> ScaleOut:
    record = await apps.get(session, app, for_update=True)
    apps.check_access(who, record)
    placements = await registry.placements(env)
    if data.cluster is not None:
        placements = [p for p in placements if p.cluster == data.cluster]
        if not placements:
            raise NotFound(f"{env} has no cluster {data.cluster!r}")
    results: dict[str, str] = {}
    async with audited(
        request, session, who, "app.scale", app, {"env": env, "replicas": data.replicas}
    ) as detail:
        for placement in placements:
            try:
                api = await clusters.api(placement.cluster)
                await kubeops.scale(
                    api, placement.namespace, object_name(app, Stage.STABLE), data.replicas
                )
                results[placement.cluster] = "ok"
            except ApiException as exc:
                results[placement.cluster] = f"Kubernetes API {exc.status}: {exc.reason}"
        detail["clusters"] = results
        if not any(r == "ok" for r in results.values()):
            raise DependencyFailed(f"no cluster could be scaled: {results}")
        if data.cluster is None:
            spec = dict(record.spec)
            spec["replicas"] = {**(spec.get("replicas") or {}), env: data.replicas}
            record.spec = spec
            record.version += 1
        await add_event(
            session,
            AppScaledV1(
                app=app,
                env=env,
                replicas=data.replicas,
                clusters=tuple(c for c, r in results.items() if r == "ok"),
                by=who.subject,
            ),
            source=SOURCE,
            key=app,
        )
    return ScaleOut(app=app, env=env, replicas=data.replicas, clusters=results)
