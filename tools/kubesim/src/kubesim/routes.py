"""Request paths of the simulated API server, parsed into a resource route; Status errors."""

from __future__ import annotations

from aiohttp import web

from kubesim.resources import BY_PATH, ResourceType
from kubesim.store import ApiError


def status_response(err: ApiError) -> web.Response:
    headers = {"Retry-After": "1"} if err.code == 429 else None
    return web.json_response(err.status(), status=err.code, headers=headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


class Route:
    """A parsed resource path."""

    def __init__(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str | None,
        sub: str | None,
        watch: bool,
    ) -> None:
        self.rt = rt
        self.namespace = namespace
        self.name = name
        self.sub = sub
        self.watch = watch


def parse_path(path: str) -> Route | None:
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    watch = bool(rest) and rest[0] == "watch"
    if watch:
        rest = rest[1:]
    namespace = None
    if (
        len(rest) >= 3
        and rest[0] == "namespaces"
        and not (len(rest) == 3 and rest[2] in ("status", "finalize"))
    ):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    rt = BY_PATH.get((group, version, rest[0]))
    if rt is None:
        return None
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if namespace and not rt.namespaced:
        return None
    if rt.namespaced and name and not namespace:
        return None
    if sub and sub not in rt.subresources and not (rt.kind == "Namespace" and sub == "finalize"):
        return None
    return Route(rt, namespace, name, sub, watch)
