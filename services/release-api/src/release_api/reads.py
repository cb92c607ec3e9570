"""Hot reads (an app, its release history, one release) served from the read cache.

The console polls these while releases run; the cache is dropped per app by the tables'
NOTIFY triggers (every replica) and at once by the endpoints that write (this replica).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from fastapi import Request, Response
from pydantic import BaseModel

from flotilla_runtime.readcache import Cached, ReadCache


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


def changed(request: Request, app: str) -> None:
    """This request writes `app`'s data: drop its cached reads here at once."""
    cache_of(request).drop(app)
