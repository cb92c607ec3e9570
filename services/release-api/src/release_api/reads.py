"""Hot reads (an app, its release history, one release) served from the read cache.

The console polls these while releases run; the cache is dropped per app by the tables'
NOTIFY triggers (every replica) and, on this replica, as soon as a session that wrote an app's
rows commits (`cache_tags`, followed by the ReadCache: nothing that writes calls it).

A miss goes through the endpoint, which stores what it computed. A hit is answered by
`CachedReads`, an ASGI middleware in front of the router: it checks the bearer token (viewer or
more, like the endpoints) and sends the stored body, without routing, dependency resolution or
a database session. Anything it is not sure about (no token, an odd query) goes to the endpoint.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import parse_qs

from fastapi import Request, Response
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import Authenticator
from flotilla_runtime.errors import FlotillaError
from flotilla_runtime.readcache import Cached, ReadCache
from release_api.models import App, AppHost, Release


def cache_of(request: Request) -> ReadCache:
    return cast(ReadCache, request.state.cache)


async def cached(
    request: Request,
    tag: str,
    key: str,
    build: Callable[[], Awaitable[tuple[BaseModel, dict[str, str]]]],
) -> Response:
    cache = cache_of(request)
    hit = cache.get(key)
    if hit is None:
        version = cache.version(tag)
        model, headers = await build()
        hit = Cached(model.model_dump_json().encode(), headers)
        cache.put(tag, key, hit, version)
    return Response(hit.body, media_type="application/json", headers=hit.headers)


def cache_tags(row: object) -> list[str]:
    """The app whose cached reads a written row changes (the tag is the app's name)."""
    if isinstance(row, App):
        return [row.name]
    if isinstance(row, Release | AppHost):
        return [row.app]
    return []  # rollouts and events: the release row changes with them, or NOTIFY tells


def app_key(name: str) -> str:
    return f"app:{name}"


def history_key(app: str, env: str | None, limit: int, cursor: int | None) -> str:
    return f"history:{app}:{env}:{limit}:{cursor}"


def release_key(app: str, release_id: uuid.UUID) -> str:
    return f"release:{app}:{release_id}"


def _key_of(path: str, query: bytes) -> tuple[str, str, dict[str, str]] | None:
    """(tag, key, path params) for a cacheable GET, as the endpoint would compute them."""
    parts = path.split("/")
    if len(parts) < 4 or parts[:3] != ["", "v1", "apps"] or not parts[3]:
        return None
    app = parts[3]
    params = parse_qs(query.decode("latin-1"), keep_blank_values=True)
    if len(parts) == 4 and not params:
        return app, app_key(app), {"name": app}
    if len(parts) == 5 and parts[4] == "releases":
        if set(params) - {"env", "limit", "cursor"} or any(len(v) != 1 for v in params.values()):
            return None
        try:
            limit = int(params.get("limit", ["50"])[0])
            cursor = int(params["cursor"][0]) if "cursor" in params else None
        except ValueError:
            return None
        env = params["env"][0] if "env" in params else None
        if not 1 <= limit <= 200 or (cursor is not None and cursor < 1):
            return None
        return app, history_key(app, env, limit, cursor), {"app": app}
    if len(parts) == 6 and parts[4] == "releases" and not params:
        try:
            release_id = uuid.UUID(parts[5])
        except ValueError:
            return None
        return app, release_key(app, release_id), {"app": app, "release_id": parts[5]}
    return None


class CachedReads:
    """ASGI middleware: answers cache hits of the reads above before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = scope.get("state") or {}
        cache: ReadCache | None = state.get("cache")
        found = _key_of(scope["path"], scope.get("query_string", b""))
        hit = cache.get(found[1]) if cache is not None and found is not None else None
        if hit is None or found is None or not await _may_read(scope, state):
            await self.app(scope, receive, send)
            return
        scope["route"] = "read-cache"  # the metrics label the request by its route template
        scope["path_params"] = found[2]
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(hit.body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in hit.headers.items()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": hit.body})


async def _may_read(scope: Scope, state: dict[str, Any]) -> bool:
    authenticator: Authenticator | None = state.get("authenticator")
    header = next((v for k, v in scope.get("headers", []) if k == b"authorization"), b"")
    scheme, _, token = header.decode("latin-1").partition(" ")
    if authenticator is None or scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        principal = await authenticator.authenticate(token.strip())
    except FlotillaError:
        return False  # the endpoint answers with the right problem
    return principal.is_service or principal.has_role(Role.VIEWER)
