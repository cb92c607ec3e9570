"""/v1/apps/{app}/envs/{env}/scale: the replicas of an app in every cluster of an env."""

from __future__ import annotations

from fastapi import APIRouter, Request

from flotilla_contracts.policy import PolicyAction
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NamePath
from release_api import policy
from release_api.apps import service as apps
from release_api.apps.schemas import ScaleOut, ScaleRequest
from release_api.deps import ClustersDep, RegistryDep

router = APIRouter(tags=["apps"], responses=PROBLEM_RESPONSES)


@router.put(
    "/apps/{app}/envs/{env}/scale",
    operation_id="scaleApp",
    summary="Set the replicas of an app in every cluster of an env (or one)",
)
async def scale_app(
    app: NamePath,
    env: NamePath,
    data: ScaleRequest,
    request: Request,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    clusters: ClustersDep,
) -> ScaleOut:
    async with audited(
        request, session, who, "app.scale", app, {"env": env, "replicas": data.replicas}
    ) as detail:
        record = await apps.get(session, app, for_update=True)
        apps.check_access(who, record)
        target = await registry.target(env)
        policy.authorize(who, env, target.policy, PolicyAction.SCALE)
        placements = target.placements
        if data.cluster is not None:
            placements = [target.placement(data.cluster)]
        results = await apps.scale(
            session,
            clusters,
            record,
            placements,
            env=env,
            replicas=data.replicas,
            every_cluster=data.cluster is None,
            by=who.subject,
        )
        detail["clusters"] = results
    return ScaleOut(app=app, env=env, replicas=data.replicas, clusters=results)
