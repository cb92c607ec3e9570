"""/v1/apps/{app}/manifests: exactly what a release would apply to one cluster."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from flotilla_contracts.enums import AppType
from flotilla_contracts.names import NAME_MAX, NAME_PATTERN
from flotilla_runtime.auth import Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NamePath
from release_api.apps import service as apps
from release_api.apps.schemas import AppSpec
from release_api.deps import RegistryDep, SettingsDep
from release_api.manifests.render import Target, render
from release_api.releases import service
from release_api.releases.repository import ReleaseRepository

router = APIRouter(tags=["apps"], responses=PROBLEM_RESPONSES)


@router.get(
    "/apps/{app}/manifests",
    operation_id="previewManifests",
    summary="Exactly what a release of this app would apply to one cluster",
)
async def preview_manifests(
    app: NamePath,
    request: Request,
    session: SessionDep,
    _: Viewer,
    env: Annotated[
        str, Query(max_length=NAME_MAX, pattern=NAME_PATTERN, description="A DNS label")
    ],
    cluster: Annotated[
        str, Query(max_length=NAME_MAX, pattern=NAME_PATTERN, description="A DNS label")
    ],
    registry: RegistryDep,
    settings: SettingsDep,
    image: Annotated[
        str | None, Query(max_length=512, description="default: the image released last")
    ] = None,
    debug: Annotated[bool, Query(description="render as debug mode would")] = False,
) -> dict[str, Any]:
    record = await apps.get(session, app)
    placement = (await registry.target(env)).placement(cluster)
    if image is None:
        last = await ReleaseRepository(session).latest(app, env)
        image = last.image if last is not None else f"{app}:latest"
    spec = AppSpec.model_validate(record.spec)
    return render(
        spec,
        Target(
            app=app,
            app_type=AppType(record.type),
            env=env,
            cluster=cluster,
            idc=placement.idc,
            namespace=placement.namespace,
            image=image,
            replicas=int((spec.replicas or {}).get(env, service.DEFAULT_REPLICAS)),
            release_id="preview",
            debug=debug,
            drain_s=settings.ingress_propagation_s + settings.drain_margin_s,
        ),
    )
