"""/v1/apps/{app}/releases, scale, isolated pods, manifest preview."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.enums import AppType, ReleasePhase, Stage, Strategy
from flotilla_contracts.events import AppScaledV1, PodIsolatedV1
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Viewer
from flotilla_runtime.db import SessionDep, session_scope
from flotilla_runtime.errors import PROBLEM_RESPONSES, DependencyFailed, NotFound
from flotilla_runtime.outbox import add_event
from release_api import kubeops
from release_api.apps import service as apps
from release_api.apps.schemas import AppSpec
from release_api.clients import Clusters, Registry
from release_api.manifests.render import Target, object_name, render
from release_api.models import Release, ReleaseEvent
from release_api.reads import cached, changed, history_key, release_key
from release_api.releases import service
from release_api.releases.schemas import (
    ControlAction,
    IsolatedPod,
    ReleaseCreate,
    ReleaseOptions,
    ReleaseOut,
    ReleasePage,
    ScaleOut,
    ScaleRequest,
)
from release_api.settings import Settings

router = APIRouter(tags=["releases"], responses=PROBLEM_RESPONSES)
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=255, description="retrying with the same key returns the same release"),
]


def _registry(request: Request) -> Registry:
    return cast(Registry, request.state.registry)


def _clusters(request: Request) -> Clusters:
    return cast(Clusters, request.state.clusters)


@router.post(
    "/apps/{app}/releases",
    status_code=202,
    operation_id="createRelease",
    summary="Release an image to every cluster of an environment",
)
async def create_release(
    app: str,
    data: ReleaseCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    idempotency_key: IdempotencyKey = None,
) -> ReleaseOut:
    changed(request, app)
    async with audited(
        request, session, who, "release.create", app, {"env": data.env, "image": data.image}
    ) as detail:
        placements = await _registry(request).placements(data.env)
        release, created = await service.create(
            session, who, app, data, placements, idempotency_key=idempotency_key
        )
        detail["release"] = str(release.id)
        detail["replayed"] = not created
    out = await service.render(session, release)
    response.headers["Location"] = f"/v1/apps/{app}/releases/{release.id}"
    return out


@router.get(
    "/apps/{app}/releases",
    operation_id="listReleases",
    summary="Release history of an app, newest first",
    response_model=ReleasePage,
)
async def list_releases(
    app: str,
    request: Request,
    session: SessionDep,
    _: Viewer,
    env: Annotated[str | None, Query(max_length=63)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[int | None, Query(ge=1, description="a next_cursor")] = None,
) -> Response:
    async def build() -> tuple[ReleasePage, dict[str, str]]:
        return await _history(session, app, env, limit, cursor), {}

    return await cached(request, app, history_key(app, env, limit, cursor), build)


async def _history(
    session: AsyncSession, app: str, env: str | None, limit: int, cursor: int | None
) -> ReleasePage:
    await apps.get(session, app)
    query = select(Release).where(Release.app == app).order_by(Release.seq.desc()).limit(limit + 1)
    if env:
        query = query.where(Release.env == env)
    if cursor:
        query = query.where(Release.seq < cursor)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return ReleasePage(
        items=[await service.render(session, r) for r in rows],
        next_cursor=str(rows[-1].seq) if more else None,
    )


@router.get(
    "/apps/{app}/releases/{release_id}",
    operation_id="getRelease",
    summary="A release with each cluster's rollout",
    response_model=ReleaseOut,
)
async def get_release(
    app: str, release_id: uuid.UUID, request: Request, session: SessionDep, _: Viewer
) -> Response:
    async def build() -> tuple[ReleaseOut, dict[str, str]]:
        release = await service.get(session, app, release_id)
        return await service.render(session, release), {}

    return await cached(request, app, release_key(app, release_id), build)


@router.get(
    "/apps/{app}/releases/{release_id}/events",
    operation_id="followRelease",
    summary="Server-Sent Events: everything that happens to the release, live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def follow_release(
    app: str,
    release_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    _: Viewer,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    await service.get(session, app, release_id)
    sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    return StreamingResponse(
        _stream(sessionmaker, release_id, start, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    release_id: uuid.UUID,
    after: int,
    request: Request,
) -> AsyncIterator[bytes]:
    """Events in order from `after`; ends once the release is finished and all are sent."""
    idle = 0.0
    while not await request.is_disconnected():
        async with session_scope(sessionmaker) as session:
            rows = list(
                (
                    await session.execute(
                        select(ReleaseEvent)
                        .where(ReleaseEvent.release_id == release_id, ReleaseEvent.id > after)
                        .order_by(ReleaseEvent.id)
                        .limit(500)
                    )
                ).scalars()
            )
            phase = (
                await session.execute(select(Release.phase).where(Release.id == release_id))
            ).scalar_one()
        for row in rows:
            after = row.id
            yield (f"id: {row.id}\nevent: {row.type}\ndata: {json.dumps(row.data)}\n\n").encode()
        if not rows and ReleasePhase(phase).is_terminal:
            return
        if rows:
            idle = 0.0
        else:
            idle += 0.25
            if idle >= 15:
                idle = 0.0
                yield b": keep-alive\n\n"
        await asyncio.sleep(0.25)


@router.post(
    "/apps/{app}/releases/{release_id}/rollback",
    status_code=202,
    operation_id="rollbackToRelease",
    summary="Release again what an earlier release released (its image and spec)",
)
async def rollback_to(
    app: str,
    release_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    idempotency_key: IdempotencyKey = None,
) -> ReleaseOut:
    earlier = await service.get(session, app, release_id)
    changed(request, app)
    async with audited(
        request, session, who, "release.rollback", app, {"to": str(release_id)}
    ) as detail:
        placements = await _registry(request).placements(earlier.env)
        earlier_options = earlier.options or {}
        data = ReleaseCreate(
            image=earlier.image,
            env=earlier.env,
            strategy=Strategy(earlier.strategy),
            options=ReleaseOptions.model_validate(
                {
                    "timeout_s": earlier_options.get("timeout_s", 600),
                    "promote": "auto",
                    "scale_down_delay_s": earlier_options.get("scale_down_delay_s", 30),
                    "gray_replicas": earlier_options.get("gray_replicas"),
                    "gray_percent": earlier_options.get("gray_percent"),
                }
            ),
        )
        template = earlier_options.get("template_release") or str(earlier.id)
        release, _ = await service.create(
            session,
            who,
            app,
            data,
            placements,
            idempotency_key=idempotency_key,
            rollback_of=earlier.id,
            spec_override=earlier.spec,
            template_release=uuid.UUID(template),
        )
        detail["release"] = str(release.id)
    response.headers["Location"] = f"/v1/apps/{app}/releases/{release.id}"
    return await service.render(session, release)


@router.post(
    "/apps/{app}/releases/{release_id}/{action}",
    operation_id="controlRelease",
    summary="Promote, pause, resume or abort a running release",
    description=(
        "`promote`: blue-green switches traffic to the new colour, gray rolls stable to the new "
        "version. `pause`: every cluster holds where it is (Deployments paused). `resume`: go on "
        "(each cluster's deadline starts again). `abort`: stop and put every unfinished cluster "
        "back."
    ),
)
async def control(
    app: str,
    release_id: uuid.UUID,
    action: ControlAction,
    request: Request,
    session: SessionDep,
    who: Developer,
) -> ReleaseOut:
    changed(request, app)
    async with audited(
        request, session, who, f"release.{action.value}", app, {"release": str(release_id)}
    ):
        release = await service.control(session, who, app, release_id, action, _clusters(request))
    return await service.render(session, release)


@router.post(
    "/apps/{app}/envs/{env}/restart",
    status_code=202,
    operation_id="restartApp",
    summary="Rolling restart: release the running image again (new pods everywhere)",
)
async def restart(
    app: str,
    env: str,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    idempotency_key: IdempotencyKey = None,
) -> ReleaseOut:
    last = (
        await session.execute(
            select(Release)
            .where(Release.app == app, Release.env == env)
            .order_by(Release.seq.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if last is None:
        await apps.get(session, app)
        raise NotFound(f"{app} was never released to {env}: nothing to restart")
    changed(request, app)
    async with audited(request, session, who, "app.restart", app, {"env": env}) as detail:
        placements = await _registry(request).placements(env)
        data = ReleaseCreate(
            image=last.image,
            env=env,
            options=ReleaseOptions(timeout_s=(last.options or {}).get("timeout_s", 600)),
        )
        release, _ = await service.create(
            session, who, app, data, placements, idempotency_key=idempotency_key
        )
        detail["release"] = str(release.id)
    response.headers["Location"] = f"/v1/apps/{app}/releases/{release.id}"
    return await service.render(session, release)


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
) -> ScaleOut:
    record = await apps.get(session, app, for_update=True)
    apps.check_access(who, record)
    placements = await _registry(request).placements(env)
    if data.cluster is not None:
        placements = [p for p in placements if p.cluster == data.cluster]
        if not placements:
            raise NotFound(f"{env} has no cluster {data.cluster!r}")
    results: dict[str, str] = {}
    changed(request, app)
    async with audited(
        request, session, who, "app.scale", app, {"env": env, "replicas": data.replicas}
    ) as detail:
        for placement in placements:
            try:
                api = await _clusters(request).api(placement.cluster)
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
            source=service.SOURCE,
            key=app,
        )
    return ScaleOut(app=app, env=env, replicas=data.replicas, clusters=results)


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
) -> IsolatedPod:
    apps.check_access(who, await apps.get(session, app))
    placement = await _placement(request, env, cluster)
    async with audited(request, session, who, "pod.isolate", app, {"cluster": cluster, "pod": pod}):
        api = await _clusters(request).api(cluster)
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
            source=service.SOURCE,
            key=app,
        )
    return _isolated(cluster, obj)


@router.get(
    "/apps/{app}/envs/{env}/isolated-pods",
    operation_id="listIsolatedPods",
    summary="Pods isolated for a post-mortem, in every cluster of the env",
)
async def list_isolated(
    app: str, env: str, request: Request, session: SessionDep, _: Viewer
) -> list[IsolatedPod]:
    await apps.get(session, app)
    out: list[IsolatedPod] = []
    for placement in await _registry(request).placements(env):
        api = await _clusters(request).api(placement.cluster)
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
) -> Response:
    apps.check_access(who, await apps.get(session, app))
    placement = await _placement(request, env, cluster)
    async with audited(request, session, who, "pod.delete", app, {"cluster": cluster, "pod": pod}):
        api = await _clusters(request).api(cluster)
        isolated = {
            (o.get("metadata") or {}).get("name")
            for o in await kubeops.isolated_pods(api, placement.namespace, app, env)
        }
        if pod not in isolated:
            raise NotFound(f"{pod} is not an isolated pod of {app} in {cluster}")
        await kubeops.delete_pod(api, placement.namespace, pod)
    return Response(status_code=204)


@router.get(
    "/apps/{app}/manifests",
    operation_id="previewManifests",
    summary="Exactly what a release of this app would apply to one cluster",
)
async def preview_manifests(
    app: str,
    request: Request,
    session: SessionDep,
    _: Viewer,
    env: Annotated[str, Query(max_length=63)],
    cluster: Annotated[str, Query(max_length=63)],
    image: Annotated[str, Query(max_length=512, description="default: the image released last")]
    | None = None,
    debug: bool = False,
) -> dict[str, Any]:
    record = await apps.get(session, app)
    placement = await _placement(request, env, cluster)
    if image is None:
        image = (
            await session.execute(
                select(Release.image)
                .where(Release.app == app, Release.env == env)
                .order_by(Release.seq.desc())
                .limit(1)
            )
        ).scalar_one_or_none() or f"{app}:latest"
    spec = AppSpec.model_validate(record.spec)
    settings = cast(Settings, request.state.settings)
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


async def _placement(request: Request, env: str, cluster: str) -> Any:
    for placement in await _registry(request).placements(env):
        if placement.cluster == cluster:
            return placement
    raise NotFound(f"environment {env} has no cluster {cluster!r}")


def _isolated(cluster: str, obj: dict[str, Any]) -> IsolatedPod:
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return IsolatedPod(
        cluster=cluster,
        namespace=meta.get("namespace", ""),
        pod=meta.get("name", ""),
        phase=(obj.get("status") or {}).get("phase", ""),
        isolated_at=annotations.get("flotilla.io/isolated-at"),
        isolated_by=annotations.get("flotilla.io/isolated-by"),
    )
