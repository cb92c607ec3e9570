"""Which team owns an app — asked of release-api, the owner of apps — for team checks here.

monitor-gateway's mutations on an app (acknowledging its alert, changing its alert thresholds)
are for that app's team and admins, as in release-api. Apps and their teams live in
release-api, so monitor-gateway reads `GET /v1/apps/{app}` with its service token and keeps the
answer `ttl_s` (a team change is seen within that). release-api unreachable is a 503 with
Retry-After (nothing changed; try again), never a pass: a check that cannot be made refuses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

import httpx

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import Principal
from flotilla_runtime.errors import Forbidden, NotFound, Unavailable


class ReleaseApiUnavailable(Unavailable):
    type_ = "release-api-unavailable"
    title = "release-api is unavailable"

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": "5"}


class AppTeams:
    name = "app-teams"

    def __init__(self, http: httpx.AsyncClient, *, token: str | None, ttl_s: float = 30.0) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._ttl_s = ttl_s
        self._known: dict[str, tuple[float, str]] = {}

    async def team_of(self, app: str) -> str:
        known = self._known.get(app)
        if known is not None and time.monotonic() - known[0] < self._ttl_s:
            return known[1]
        try:
            r = await self._http.get(f"/v1/apps/{app}", headers=self._headers)
        except httpx.HTTPError as exc:
            raise ReleaseApiUnavailable(f"release-api unreachable: {type(exc).__name__}") from None
        if r.status_code == 404:
            raise NotFound(f"no application named {app!r}")
        team = r.json().get("team") if r.status_code == 200 else None
        if not isinstance(team, str):
            raise ReleaseApiUnavailable(f"release-api answered {r.status_code} for app {app!r}")
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[app] = (time.monotonic(), team)
        return team

    async def check(self, who: Principal, app: str) -> None:
        """Admins act on every app; developers on their teams' apps only."""
        if who.has_role(Role.ADMIN):
            return
        if not app:
            raise Forbidden("only admins act on what no app owns")
        team = await self.team_of(app)
        if not who.may_act_for_team(team):
            raise Forbidden(f"{who.subject} may not change {app} (team {team})")

    async def run(self) -> None:  # a worker only to close the client at shutdown
        try:
            await asyncio.Event().wait()
        finally:
            await self._http.aclose()
