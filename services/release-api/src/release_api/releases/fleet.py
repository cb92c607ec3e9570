"""/v1/releases: the releases of every app at once (the console's dashboard, `flotilla release
list --all`), newest first; `active=true` keeps those not finished."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from flotilla_runtime.auth import Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NameQuery
from release_api.releases import service
from release_api.releases.repository import ReleaseRepository
from release_api.releases.schemas import ReleasePage

router = APIRouter(tags=["releases"], responses=PROBLEM_RESPONSES)


@router.get(
    "/releases",
    operation_id="listFleetReleases",
    summary="Releases of every app, newest first (active=true: those in flight)",
    response_model=ReleasePage,
)
async def list_fleet_releases(
    session: SessionDep,
    _: Viewer,
    active: Annotated[bool, Query(description="only releases not finished")] = False,
    env: NameQuery = None,
    limit: Annotated[int, Query(ge=1, le=200, description="at most this many per page")] = 50,
    cursor: Annotated[int | None, Query(ge=1, description="a next_cursor")] = None,
) -> ReleasePage:
    rows = await ReleaseRepository(session).fleet_page(
        active=active, env=env, before_seq=cursor, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return ReleasePage(
        items=[await service.render(session, r) for r in rows],
        next_cursor=str(rows[-1].seq) if more else None,
    )
