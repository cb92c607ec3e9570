"""The Kubernetes REST API of one simulated cluster, over aiohttp.

Paths, verbs, Status errors, list paging and watch streams follow the real API server closely
enough for kubernetes-asyncio and kubectl (docs/reference/kubernetes-watch.md).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import json
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from kubesim import metricsapi, openapi, protobuf, tables, watch
from kubesim.objects import apply_defaults, validate
from kubesim.patch import PatchError, json_patch, merge_patch, strategic_merge_patch
from kubesim.resources import (
    BY_KIND,
    ResourceType,
    api_group_list,
    api_resource_list,
    api_versions,
)
from kubesim.routes import Route, bad_request, parse_path, status_response
from kubesim.selectors import SelectorError, parse_field_selector, parse_label_selector
from kubesim.store import ApiError, Obj, conflict, not_found
from kubesim.watch import TRUE

if TYPE_CHECKING:
    from kubesim.protocols import SimCluster


class ClusterAPI:
    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self.store = cluster.store

    def build(self) -> web.Application:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.dispatch)
        return app

    # --- entry ------------------------------------------------------------------------------

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_kubesim"):
            return await self.cluster.admin(request)
        if path == "/metrics":
            return web.Response(
                body=self.cluster.metrics_text().encode(),
                headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
            )
        if path in ("/healthz", "/livez", "/readyz"):
            return web.Response(text="ok")
        try:
            self._authenticate(request)
            await self._apply_knobs(request)
            return await self._serve(request)
        except ApiError as err:
            return status_response(err)
        except (PatchError, SelectorError) as exc:
            return status_response(bad_request(str(exc)))

    def _pod_log(self, request: web.Request, namespace: str, name: str) -> web.Response:
        pod = self.store.must_get(BY_KIND["Pod"], namespace, name)
        containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
        wanted = request.query.get("container")
        if wanted and wanted not in containers:
            raise ApiError(400, "BadRequest", f"container {wanted} is not valid for pod {name}")
        if not wanted and len(containers) > 1:
            raise ApiError(
                400,
                "BadRequest",
                f"a container name must be specified for pod {name}, choose one of: {containers}",
            )
        lines = self.cluster.pod_log_lines(namespace, name)
        tail = request.query.get("tailLines")
        if tail is not None:
            lines = lines[-int(tail) :] if int(tail) > 0 else []
        return web.Response(text="".join(f"{line}\n" for line in lines), content_type="text/plain")

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        if header != f"Bearer {self.cluster.token}":
            raise ApiError(401, "Unauthorized", "Unauthorized")

    async def _apply_knobs(self, request: web.Request) -> None:
        knobs = self.cluster.knobs
        outage = knobs.outage()
        if outage == "refuse":
            # The listener is closed; connections a client kept open are reset as well.
            if request.transport is not None:
                request.transport.abort()
            raise ApiError(503, "ServiceUnavailable", "connection reset")
        if outage == "hang":
            await asyncio.sleep(max(0.0, knobs.outage_until - asyncio.get_running_loop().time()))
            raise ApiError(
                503, "ServiceUnavailable", "the server is currently unable to handle the request"
            )
        if outage == "503":
            raise ApiError(
                503, "ServiceUnavailable", "the server is currently unable to handle the request"
            )
        if knobs.latency_s:
            await asyncio.sleep(knobs.latency_s)
        route = parse_path(request.path)
        if route is not None:
            code = knobs.take_error(_verb(request, route), route.rt.plural)
            if code is not None:
                reason = {
                    409: "Conflict",
                    429: "TooManyRequests",
                    500: "InternalError",
                    503: "ServiceUnavailable",
                    504: "Timeout",
                }.get(code, "InternalError")
                message = (
                    f"Operation cannot be fulfilled on {route.rt.plural} "
                    f'"{route.name}": the object has been modified; please apply your '
                    "changes to the latest version and try again"
                    if code == 409
                    else f"injected by kubesim: {reason}"
                )
                raise ApiError(code, reason, message)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        if path == "/version":
            return web.json_response(self.cluster.version_info())
        if path == "/api":
            return web.json_response(api_versions())
        if path == "/apis":
            return web.json_response(api_group_list())
        if path.startswith(metricsapi.PREFIX) and request.method == "GET":
            return web.json_response(metricsapi.answer(self.store, path))
        if path.startswith("/openapi/"):
            doc = openapi.document(path)
            if doc is None:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return web.json_response(doc)
        if path == "/api/v1" or (path.startswith("/apis/") and path.count("/") == 3):
            gv = "v1" if path == "/api/v1" else path[len("/apis/") :]
            doc = api_resource_list(gv)
            if doc is not None:
                return web.json_response(doc)
        route = parse_path(path)
        if route is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        method = request.method
        q = request.query
        if method == "GET":
            if route.sub == "log":
                return self._pod_log(request, route.namespace or "", route.name or "")
            if route.name is None:
                if route.watch or q.get("watch", "").lower() in TRUE:
                    return await watch.stream(request, route, self.store, self.cluster.knobs)
                listed = self.list(route, q)
                if tables.wants_table(request.headers.get("Accept", "")):
                    return web.json_response(
                        tables.table(
                            route.rt.kind, listed["items"], listed["metadata"]["resourceVersion"]
                        )
                    )
                return web.json_response(listed)
            obj = self.store.must_get(route.rt, route.namespace, route.name)
            if route.sub == "scale":
                return web.json_response(scale_of(obj))
            if route.sub is None and tables.wants_table(request.headers.get("Accept", "")):
                return web.json_response(
                    tables.table(route.rt.kind, [obj], obj["metadata"]["resourceVersion"])
                )
            return web.json_response(obj)
        body = await _body(request)
        dry_run = q.get("dryRun") == "All"
        if method == "POST":
            if route.sub == "eviction" and route.name:
                return web.json_response(
                    self.cluster.evict(route.namespace or "", route.name, body), status=201
                )
            if route.name is not None:
                raise ApiError(405, "MethodNotAllowed", "POST is not supported here")
            return web.json_response(self.create(route, body, dry_run), status=201)
        if method == "PUT":
            return web.json_response(self.update(route, body, dry_run))
        if method == "PATCH":
            obj, created = self.patch(route, body, request.content_type, q)
            return web.json_response(obj, status=201 if created else 200)
        if method == "DELETE":
            options = body if isinstance(body, dict) else {}
            for key in ("gracePeriodSeconds", "propagationPolicy"):
                if key in q:
                    options[key] = int(q[key]) if key == "gracePeriodSeconds" else q[key]
            if route.name is None:
                return web.json_response(self.delete_collection(route, q, options))
            return web.json_response(
                self.cluster.delete(route.rt, route.namespace, route.name, options)
            )
        raise ApiError(405, "MethodNotAllowed", f"{method} is not supported")

    # --- verbs ------------------------------------------------------------------------------

    def list(self, route: Route, q: Any) -> Obj:
        labels = parse_label_selector(q.get("labelSelector"))
        fields = parse_field_selector(q.get("fieldSelector"))
        items = self.store.list(route.rt, route.namespace, labels, fields)
        rv = self.store.resource_version
        start_after: list[str] | None = None
        if q.get("continue"):
            try:
                token = json.loads(base64.urlsafe_b64decode(q["continue"].encode()))
                rv, start_after = int(token["rv"]), list(token["after"])
            except (ValueError, KeyError, TypeError, binascii.Error) as exc:
                raise bad_request("invalid continue token") from exc
            if rv < self.store.oldest_resumable_rv:
                raise ApiError(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to "
                    "display a consistent list result. You can start a new list "
                    "without the continue parameter.",
                )
            items = [o for o in items if _key(o) > tuple(start_after)]
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        limit = int(q.get("limit") or 0)
        if limit > 0 and len(items) > limit:
            page, rest = items[:limit], len(items) - limit
            token = {"rv": rv, "after": list(_key(page[-1]))}
            meta["continue"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
            meta["remainingItemCount"] = rest
            items = page
        return {
            "kind": f"{route.rt.kind}List",
            "apiVersion": route.rt.api_version,
            "metadata": meta,
            "items": items,
        }

    def create(self, route: Route, body: Any, dry_run: bool) -> Obj:
        rt = route.rt
        obj = _object_body(body, rt)
        meta = obj.setdefault("metadata", {})
        if rt.namespaced:
            if meta.get("namespace") and meta["namespace"] != route.namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the "
                    "namespace sent on the request"
                )
            meta["namespace"] = route.namespace
            self.cluster.require_namespace(route.namespace or "")
        apply_defaults(
            rt, obj, cluster_ip=self.cluster.allocate_cluster_ip() if rt.kind == "Service" else None
        )
        validate(rt, obj, client=True)
        if dry_run:
            return obj
        return self.store.create(rt, obj)

    def update(self, route: Route, body: Any, dry_run: bool) -> Obj:
        rt = route.rt
        if route.name is None:
            raise ApiError(405, "MethodNotAllowed", "PUT needs a name")
        current = self.store.must_get(rt, route.namespace, route.name)
        if route.sub == "scale":
            return self._set_scale(current, body, dry_run)
        obj = _object_body(body, rt)
        meta = obj.setdefault("metadata", {})
        if meta.get("name") != route.name:
            raise bad_request("the name of the object does not match the name on the URL")
        if rt.namespaced:
            meta["namespace"] = route.namespace
        merged = self._keep_other_half(rt, current, obj, route.sub)
        validate(rt, merged, client=True)
        if dry_run:
            return merged
        return self.store.replace(rt, merged)

    def patch(self, route: Route, body: Any, content_type: str, q: Any) -> tuple[Obj, bool]:
        rt = route.rt
        if route.name is None:
            raise ApiError(405, "MethodNotAllowed", "PATCH needs a name")
        current = self.store.get(rt, route.namespace, route.name)
        if current is None:
            if content_type == "application/apply-patch+yaml":
                route_obj = _object_body(body, rt)
                route_obj.setdefault("metadata", {})["name"] = route.name
                return self.create(route, route_obj, q.get("dryRun") == "All"), True
            raise not_found(rt, route.name)
        base = scale_of(current) if route.sub == "scale" else current
        if content_type == "application/json-patch+json":
            patched = json_patch(base, body)
        elif content_type == "application/merge-patch+json":
            patched = merge_patch(base, body)
        elif content_type in (
            "application/strategic-merge-patch+json",
            "application/apply-patch+yaml",
        ):
            patched = strategic_merge_patch(base, body)
        else:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media "
                f"types include: application/json-patch+json, "
                f"application/merge-patch+json, application/apply-patch+yaml, "
                f"application/strategic-merge-patch+json (got {content_type!r})",
            )
        if not isinstance(patched, dict):
            raise bad_request("the patch did not produce an object")
        if route.sub == "scale":
            return self._set_scale(current, patched, q.get("dryRun") == "All"), False
        meta = patched.setdefault("metadata", {})
        if meta.get("name") != route.name:
            raise bad_request("the patch changes metadata.name")
        if rt.namespaced:
            meta["namespace"] = route.namespace
        sent_rv = (
            (body.get("metadata") or {}).get("resourceVersion") if isinstance(body, dict) else None
        )
        if not sent_rv:
            meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        merged = self._keep_other_half(rt, current, patched, route.sub)
        validate(rt, merged, client=True)
        if q.get("dryRun") == "All":
            return merged, False
        return self.store.replace(rt, merged), False

    def _keep_other_half(self, rt: ResourceType, current: Obj, new: Obj, sub: str | None) -> Obj:
        """A write to /status keeps spec and metadata labels; a write to the object keeps status
        (for kinds with a status subresource)."""
        if sub == "status":
            merged = copy.deepcopy(current)
            merged["status"] = new.get("status", {})
            merged["metadata"]["resourceVersion"] = new["metadata"].get(
                "resourceVersion", current["metadata"]["resourceVersion"]
            )
            return merged
        if "status" in rt.subresources and "status" in current:
            new = dict(new)
            new["status"] = current["status"]
        return new

    def _set_scale(self, current: Obj, scale: Any, dry_run: bool) -> Obj:
        try:
            replicas = int(scale["spec"]["replicas"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(422, "Invalid", "Scale.spec.replicas is required") from exc
        if replicas < 0:
            raise ApiError(422, "Invalid", "spec.replicas: must be greater than or equal to 0")
        sent_rv = (scale.get("metadata") or {}).get("resourceVersion")
        if sent_rv and sent_rv != current["metadata"]["resourceVersion"]:
            raise conflict(BY_KIND[current["kind"]], current["metadata"]["name"])
        updated = copy.deepcopy(current)
        updated["spec"]["replicas"] = replicas
        if dry_run:
            return scale_of(updated)
        rt = BY_KIND[current["kind"]]
        return scale_of(self.store.replace(rt, updated, check_rv=False))

    def delete_collection(self, route: Route, q: Any, options: dict[str, Any]) -> Obj:
        labels = parse_label_selector(q.get("labelSelector"))
        fields = parse_field_selector(q.get("fieldSelector"))
        deleted = [
            self.cluster.delete(route.rt, route.namespace, o["metadata"]["name"], options)
            for o in list(self.store.list(route.rt, route.namespace, labels, fields))
        ]
        return {
            "kind": f"{route.rt.kind}List",
            "apiVersion": route.rt.api_version,
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": deleted,
        }


def scale_of(obj: Obj) -> Obj:
    meta = obj["metadata"]
    selector = (obj.get("spec") or {}).get("selector") or {}
    labels = ",".join(f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items())
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace"),
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0), "selector": labels},
    }


def _key(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("namespace") or "", obj["metadata"]["name"])


def _verb(request: web.Request, route: Route) -> str:
    method = request.method
    if method == "GET":
        if route.name is None:
            watching = route.watch or request.query.get("watch", "").lower() in TRUE
            return "watch" if watching else "list"
        return "get"
    return {
        "POST": "create",
        "PUT": "update",
        "PATCH": "patch",
        "DELETE": "delete" if route.name else "deletecollection",
    }.get(method, method.lower())


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if "cbor" in request.content_type:
        raise ApiError(
            415,
            "UnsupportedMediaType",
            f"kubesim accepts JSON, YAML and protobuf bodies, not {request.content_type}",
        )
    raw = await request.read()
    if not raw:
        return None
    if request.content_type == protobuf.CONTENT_TYPE:
        try:
            return protobuf.decode(raw)
        except (protobuf.ProtobufError, ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"the protobuf request body is not valid: {exc}") from exc
    try:
        if request.content_type == "application/apply-patch+yaml":
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as exc:
        raise bad_request(f"the request body is not valid: {exc}") from exc


def _object_body(body: Any, rt: ResourceType) -> Obj:
    if not isinstance(body, dict):
        raise bad_request("the request body must be an object")
    kind = body.get("kind")
    if kind and kind != rt.kind:
        raise bad_request(f"kind {kind!r} does not match the resource {rt.plural!r}")
    api_version = body.get("apiVersion")
    if api_version and api_version != rt.api_version:
        raise bad_request(f"apiVersion {api_version!r} does not match {rt.api_version!r}")
    return copy.deepcopy(body)
