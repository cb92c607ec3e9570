"""/v1/apps: applications and the manifests a release would apply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES, answered_with
from flotilla_runtime.params import NamePath
from release_api.apps import service
from release_api.apps.repository import AppRepository
from release_api.apps.schemas import AppCreate, AppOut, AppPage, AppUpdate
from release_api.reads import cached

router = APIRouter(tags=["apps"], responses=PROBLEM_RESPONSES)
IfMatch = Annotated[str | None, Header(description="ETag from a GET; 412 if it changed")]


@router.post(
    "/apps",
    status_code=201,
    operation_id="createApp",
    summary="Create an application",
    responses=answered_with(201, "Location", "ETag"),
)
async def create_app(
    data: AppCreate, request: Request, response: Response, session: SessionDep, who: Developer
) -> AppOut:
    async with audited(request, session, who, "app.create", data.name) as detail:
        app = await service.create(session, who, data)
        detail["after"] = app.spec
    response.headers["ETag"] = service.etag(app)
    response.headers["Location"] = f"/v1/apps/{app.name}"
    return service.render(app)


@router.get("/apps", operation_id="listApps", summary="List applications")
async def list_apps(
    session: SessionDep,
    _: Viewer,
    team: Annotated[str | None, Query(max_length=63, description="only this team's apps")] = None,
    archived: Annotated[bool, Query(description="list archived apps instead")] = False,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many per page")] = 100,
    cursor: Annotated[str | None, Query(max_length=63, description="a next_cursor")] = None,
) -> AppPage:
    rows = await AppRepository(session).page(
        archived=archived, team=team, after=cursor, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return AppPage(
        items=[service.render(a) for a in rows], next_cursor=rows[-1].name if more else None
    )


@router.get(
    "/apps/{name}",
    operation_id="getApp",
    summary="Get an application",
    response_model=AppOut,
    responses=answered_with(200, "ETag"),
)
async def get_app(name: NamePath, request: Request, session: SessionDep, _: Viewer) -> Response:
    async def build() -> tuple[AppOut, dict[str, str]]:
        app = await service.get(session, name)
        return service.render(app), {"ETag": service.etag(app)}

    return await cached(request, name, build)


@router.patch(
    "/apps/{name}",
    operation_id="updateApp",
    summary="Change an application's spec",
    responses=answered_with(200, "ETag"),
)
async def update_app(
    name: NamePath,
    data: AppUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    if_match: IfMatch = None,
) -> AppOut:
    async with audited(request, session, who, "app.update", name) as detail:
        app, before = await service.update(session, who, name, data, if_match)
        detail["before"] = before.model_dump(mode="json")
        detail["after"] = app.spec
    response.headers["ETag"] = service.etag(app)
    return service.render(app)


@router.delete(
    "/apps/{name}",
    operation_id="archiveApp",
    summary="Archive an application (kept for history; no new releases)",
)
async def archive_app(
    name: NamePath, request: Request, session: SessionDep, who: Developer
) -> AppOut:
    async with audited(request, session, who, "app.archive", name):
        app = await service.archive(session, who, name)
    return service.render(app)
