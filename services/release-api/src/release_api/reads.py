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

from collections.abc import Awaitable, Callable
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

from fastapi import Request, Response
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from flotilla_runtime.auth import reader_or_none
from flotilla_runtime.readcache import Cached, ReadCache
from release_api.models import App, AppHost, Release


def cache_of(request: Request) -> ReadCache:
    return cast(ReadCache, request.state.cache)


async def cached(
    request: Request,
    tag: str,
    build: Callable[[], Awaitable[tuple[BaseModel, dict[str, str]]]],
) -> Response:
    """The endpoint's answer for this URL: from the cache, or built and stored under `tag`."""
    cache = cache_of(request)
    key = request_key(request.scope)
    hit = cache.get(key)
    if hit is None:
        version = cache.version(tag)
        model, headers = await build()
        hit = Cached(model.model_dump_json().encode(), headers)
        cache.put(tag, key, hit, version)
    return Response(hit.body, media_type="application/json", headers=hit.headers)


def request_key(scope: Scope) -> str:
    """A GET's cache key: its path and query parameters in one canonical order. The endpoint
    that stores and the middleware that answers compute it alike, so neither parses the
    other's routes: a URL the endpoint refused (a bad limit) was never stored, and misses."""
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    path: str = scope["path"]
    return path + ("?" + urlencode(sorted(query)) if query else "")


def cache_tags(row: object) -> list[str]:
    """The app whose cached reads a written row changes (the tag is the app's name)."""
    if isinstance(row, App):
        return [row.name]
    if isinstance(row, Release | AppHost):
        return [row.app]
    return []  # rollouts and events: the release row changes with them, or NOTIFY tells


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
        cacheable = scope["path"].startswith("/v1/apps/")
        hit = cache.get(request_key(scope)) if cache is not None and cacheable else None
        if hit is None or not await _may_read(scope, state):
            await self.app(scope, receive, send)
            return
        scope["route"] = "read-cache"  # its metrics label (flotilla_runtime.metrics)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(hit.body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in hit.headers.items()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": hit.body})


async def _may_read(scope: Scope, state: dict[str, Any]) -> bool:
    """A viewer or a service; otherwise the endpoint answers with the right problem."""
    header = next((v for k, v in scope.get("headers", []) if k == b"authorization"), b"")
    reader = await reader_or_none(state.get("authenticator"), header.decode("latin-1"))
    return reader is not None
