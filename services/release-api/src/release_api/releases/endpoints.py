"""/v1/apps/{app}/releases: create, list, follow, control, roll back, restart."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.enums import ReleasePhase, Strategy
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Viewer
from flotilla_runtime.db import SessionDep, session_scope
from flotilla_runtime.errors import PROBLEM_RESPONSES, NotFound, answered_with
from flotilla_runtime.params import NamePath, NameQuery
from flotilla_runtime.shutdown import Draining
from release_api.analysis.repository import SampleRepository
from release_api.apps import service as apps
from release_api.deps import ClustersDep, RegistryDep, StreamsDep
from release_api.errors import StreamsBusy
from release_api.reads import cached
from release_api.releases import approvals, service
from release_api.releases.repository import ReleaseRepository
from release_api.releases.schemas import (
    AnalysisOut,
    ControlAction,
    Decision,
    ReleaseCreate,
    ReleaseOptions,
    ReleaseOut,
    ReleasePage,
    SampleOut,
)
from release_api.rollouts.state import RunOptions

ReleaseIdPath = Annotated[uuid.UUID, Path(description="the release's id (a UUID)")]

router = APIRouter(tags=["releases"], responses=PROBLEM_RESPONSES)
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=255, description="retrying with the same key returns the same release"),
]


@router.post(
    "/apps/{app}/releases",
    status_code=202,
    operation_id="createRelease",
    responses=answered_with(202, "Location"),
    summary="Release an image to every cluster of an environment, in the waves of a plan",
    description=(
        "Without `plan`, the environment's default plan, else every cluster at once. 422 "
        "`plan-unfit` when the plan does not fit the environment's clusters (the detail names "
        "the wave); 409 `environment-frozen` inside a freeze window (the problem names the "
        "`window` and `until`; an admin may pass `options.freeze_override`, a reason kept in "
        "the audit log); 409 `release-in-progress` while another release of the app to the "
        "environment runs."
    ),
)
async def create_release(
    app: NamePath,
    data: ReleaseCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    idempotency_key: IdempotencyKey = None,
) -> ReleaseOut:
    asked = {"env": data.env, "image": data.image}
    if data.options.freeze_override is not None:
        asked["freeze_override"] = data.options.freeze_override
    async with audited(request, session, who, "release.create", app, asked) as detail:
        target = await registry.target(data.env)
        release, created = await service.create(
            session, who, app, data, target, idempotency_key=idempotency_key
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
    app: NamePath,
    request: Request,
    session: SessionDep,
    _: Viewer,
    env: NameQuery = None,
    limit: Annotated[int, Query(ge=1, le=200, description="at most this many per page")] = 50,
    cursor: Annotated[int | None, Query(ge=1, description="a next_cursor")] = None,
) -> Response:
    async def build() -> tuple[ReleasePage, dict[str, str]]:
        return await _history(session, app, env, limit, cursor), {}

    return await cached(request, app, build)


async def _history(
    session: AsyncSession, app: str, env: str | None, limit: int, cursor: int | None
) -> ReleasePage:
    await apps.get(session, app)
    rows = await ReleaseRepository(session).page(app, env=env, before_seq=cursor, limit=limit + 1)
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
    app: NamePath, release_id: ReleaseIdPath, request: Request, session: SessionDep, _: Viewer
) -> Response:
    async def build() -> tuple[ReleaseOut, dict[str, str]]:
        release = await service.get(session, app, release_id)
        return await service.render(session, release), {}

    return await cached(request, app, build)


@router.get(
    "/apps/{app}/releases/{release_id}/analysis",
    operation_id="getReleaseAnalysis",
    summary="Every sample of the release's analysis: values per cluster and how each was judged",
)
async def get_release_analysis(
    app: NamePath,
    release_id: ReleaseIdPath,
    session: SessionDep,
    _: Viewer,
    wave: Annotated[int | None, Query(ge=0, le=1000, description="only this wave's")] = None,
) -> AnalysisOut:
    release = await service.get(session, app, release_id)
    rows = await SampleRepository(session).of_release(release.id, wave)
    return AnalysisOut(
        release_id=release.id,
        samples=[SampleOut.model_validate(r, from_attributes=True) for r in rows],
    )


@router.get(
    "/apps/{app}/releases/{release_id}/events",
    operation_id="followRelease",
    summary="Server-Sent Events: everything that happens to the release, live",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}},
        503: {"description": "This replica serves FOLLOW_MAX streams already; retry"},
    },
)
async def follow_release(
    app: NamePath,
    release_id: ReleaseIdPath,
    request: Request,
    streams: StreamsDep,
    _: Viewer,
    last_event_id: Annotated[
        str | None, Header(description="resume after this event (SSE reconnection)")
    ] = None,
) -> StreamingResponse:
    """Each event is `id:` (resume with `Last-Event-ID`), `event:` (its CloudEvents type) and
    `data:` (its payload as JSON); the stream ends once the release is finished and every
    event was sent. A replica that shuts down ends its streams with a `reconnect` event
    (`retry: 500`): reconnect with `Last-Event-ID` and the stream goes on from another one.

    A stream holds no database connection between its reads (one short session per poll)
    and a replica serves at most FOLLOW_MAX of them (503 with Retry-After beyond)."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    async with session_scope(sessionmaker) as session:
        await service.get(session, app, release_id)
    if streams.locked():
        raise StreamsBusy("too many release event streams on this replica; retry shortly")
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    draining: Draining = request.state.draining
    return StreamingResponse(
        _held(streams, _stream(sessionmaker, release_id, start, request, draining)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _held(streams: asyncio.Semaphore, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async with streams:
        async for chunk in stream:
            yield chunk


async def _stream(
    sessionmaker: async_sessionmaker[AsyncSession],
    release_id: ReleaseIdPath,
    after: int,
    request: Request,
    draining: Draining,
) -> AsyncIterator[bytes]:
    """Events in order from `after`; ends once the release is finished and all are sent, or
    with a `reconnect` event when this replica shuts down (resume with Last-Event-ID)."""
    idle = 0.0
    while not await request.is_disconnected():
        if draining.is_set():
            yield draining.reconnect_event(after)
            return
        async with session_scope(sessionmaker) as session:
            rows = await ReleaseRepository(session).events_after(release_id, after)
            phase = await ReleaseRepository(session).phase_of(release_id)
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
    responses=answered_with(202, "Location"),
    summary="Release again what an earlier release released (its image and spec)",
)
async def rollback_to(
    app: NamePath,
    release_id: ReleaseIdPath,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    idempotency_key: IdempotencyKey = None,
) -> ReleaseOut:
    earlier = await service.get(session, app, release_id)
    async with audited(
        request, session, who, "release.rollback", app, {"to": str(release_id)}
    ) as detail:
        target = await registry.target(earlier.env)
        earlier_options = RunOptions.of(earlier.options)
        data = ReleaseCreate(
            image=earlier.image,
            env=earlier.env,
            strategy=Strategy(earlier.strategy),
            options=ReleaseOptions(
                timeout_s=earlier_options.timeout_s,
                promote="auto",
                scale_down_delay_s=earlier_options.scale_down_delay_s,
                gray_replicas=earlier_options.gray_replicas,
                gray_percent=earlier_options.gray_percent,
            ),
        )
        template = earlier_options.template_release or str(earlier.id)
        release, _ = await service.create(
            session,
            who,
            app,
            data,
            target,
            idempotency_key=idempotency_key,
            rollback_of=earlier.id,
            spec_override=earlier.spec,
            template_release=uuid.UUID(template),
        )
        detail["release"] = str(release.id)
    response.headers["Location"] = f"/v1/apps/{app}/releases/{release.id}"
    return await service.render(session, release)


CONTROLS = {
    ControlAction.PROMOTE: (
        "Promote a running release",
        "Blue-green switches traffic to the new colour; gray rolls stable to the new version.",
    ),
    ControlAction.PAUSE: (
        "Pause a running release",
        "Every cluster holds where it is (its Deployment is paused).",
    ),
    ControlAction.RESUME: (
        "Resume a paused release",
        "Every cluster goes on; each cluster's deadline starts again.",
    ),
    ControlAction.ABORT: (
        "Abort a running release",
        "Stop: every cluster under way is put back, those not started end; the clusters done "
        "keep the new version (fleet-rollback puts them back too).",
    ),
    ControlAction.SKIP_SOAK: (
        "End the current wave's soak now (admins)",
        "The wave soaking goes on to its gate at once. 409 unless a wave is soaking.",
    ),
    ControlAction.FLEET_ROLLBACK: (
        "Put every cluster of the release back, at once, wherever its plan stood",
        "The one-command fleet rollback: clusters under way and clusters done go back to the "
        "version before this release, concurrently; clusters not started end. Judged by the "
        "environment's `rollback` rule; never frozen. A finished release is rolled back with "
        "POST …/releases/{earlier}/rollback instead (409 here).",
    ),
}


def _control(action: ControlAction) -> Any:
    """One operation per action (`/pause`, ...), so no path template overlaps `/events`."""

    async def control(
        app: NamePath,
        release_id: ReleaseIdPath,
        request: Request,
        session: SessionDep,
        who: Developer,
        clusters: ClustersDep,
        registry: RegistryDep,
    ) -> ReleaseOut:
        async with audited(
            request, session, who, f"release.{action.value}", app, {"release": str(release_id)}
        ):
            release = await service.control(
                session, who, app, release_id, action, clusters, registry
            )
        return await service.render(session, release)

    return control


for _action, (_summary, _description) in CONTROLS.items():
    router.add_api_route(
        f"/apps/{{app}}/releases/{{release_id}}/{_action.value}",
        _control(_action),
        methods=["POST"],
        operation_id=_action.operation_id,
        summary=_summary,
        description=_description,
        response_model=ReleaseOut,
    )


def _decision(approve: bool) -> Any:
    verb = "approve" if approve else "reject"

    async def decide(
        app: NamePath,
        release_id: ReleaseIdPath,
        data: Decision,
        request: Request,
        session: SessionDep,
        who: Developer,
        registry: RegistryDep,
    ) -> ReleaseOut:
        detail = {"release": str(release_id), "comment": data.comment}
        async with audited(request, session, who, f"release.{verb}", app, detail):
            release = await approvals.decide(
                session, who, registry, app, release_id, approve=approve, comment=data.comment
            )
        return await service.render(session, release)

    return decide


DECISIONS = {
    "approve": (
        True,
        "Approve a release the environment's policy holds; its clusters start",
        "Allowed to whom the environment's `approval.by` rule names; under four eyes never to "
        "the person who requested the release. 409 unless the release is `waiting-approval`.",
    ),
    "reject": (
        False,
        "Reject a release the environment's policy holds; it ends, no cluster touched",
        "Allowed to whom the environment's `approval.by` rule names.",
    ),
}
for _verb, (_approve, _summary, _description) in DECISIONS.items():
    router.add_api_route(
        f"/apps/{{app}}/releases/{{release_id}}/{_verb}",
        _decision(_approve),
        methods=["POST"],
        operation_id=f"{_verb}Release",
        summary=_summary,
        description=_description,
        response_model=ReleaseOut,
    )


@router.post(
    "/apps/{app}/envs/{env}/restart",
    status_code=202,
    operation_id="restartApp",
    responses=answered_with(202, "Location"),
    summary="Rolling restart: release the running image again (new pods everywhere)",
)
async def restart(
    app: NamePath,
    env: NamePath,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    registry: RegistryDep,
    idempotency_key: IdempotencyKey = None,
) -> ReleaseOut:
    last = await ReleaseRepository(session).latest(app, env)
    if last is None:
        await apps.get(session, app)
        raise NotFound(f"{app} was never released to {env}: nothing to restart")
    async with audited(request, session, who, "app.restart", app, {"env": env}) as detail:
        target = await registry.target(env)
        data = ReleaseCreate(
            image=last.image,
            env=env,
            options=ReleaseOptions(timeout_s=RunOptions.of(last.options).timeout_s),
        )
        release, _ = await service.create(
            session, who, app, data, target, idempotency_key=idempotency_key
        )
        detail["release"] = str(release.id)
    response.headers["Location"] = f"/v1/apps/{app}/releases/{release.id}"
    return await service.render(session, release)
