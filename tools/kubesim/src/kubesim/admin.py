"""kubesim's admin API (`/_kubesim/...`): the levers tests pull on one simulated cluster.

Every route answers the cluster's description afterwards. Routes, by method and path after
`/_kubesim`:
- `GET` — the description (objects per kind, knobs, pod faults);
- `POST outage` `{mode: refuse|503|hang, seconds, then?: {mode, seconds}}` — the API server
  down for a while (and then down another way: refusing connections, then hanging);
- `POST latency` `{seconds}` — every API call that much slower;
- `POST errors` `{verb, code, resource?, count?}` / `DELETE errors` — injected API errors;
- `POST watches` `{action: close|expire, max_seconds?, drop_after_seconds?,
  bookmark_interval_seconds?}` — watch streams closed, expired (410) or shortened;
- `POST compact` — the store forgets old resourceVersions (watches from them get 410);
- `POST faults` `{fault, image | pod: "<ns>/<name>", crash_later_seconds?}` / `DELETE faults` —
  pod failures;
- `POST http-faults` `{image | version, error_ratio, latency_s}` / `DELETE http-faults` — pods
  of an image or version answer a share of their HTTP requests with 500, and later (a bad
  version on purpose: what automated analysis must catch);
- `POST controllers` `{name, running}` — a controller (`deployment`, `replicaset`,
  `endpoints`, `disruption`, `kubelet`) stopped, its work queued until it runs again (a
  kube-controller-manager whose loop for it is stuck);
- `POST nodes` `{name, labels?, shape?}`, `DELETE nodes/<name>`, `POST nodes/<name>/ready`
  `{ready}` — nodes added, removed (their pods gone), made (not) ready;
- `POST reset` — knobs and faults back to defaults.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from kubesim.config import NodeShape
from kubesim.knobs import POD_FAULTS, HttpFault, InjectedError, Knobs
from kubesim.protocols import SimCluster
from kubesim.resources import resource
from kubesim.store import ApiError, Obj

POD = resource("Pod")
NODE = resource("Node")

Route = Callable[[SimCluster, list[str], Obj], Awaitable[None] | None]
CONTROLLERS = frozenset({"deployment", "replicaset", "endpoints", "disruption", "kubelet"})


async def handle(cluster: SimCluster, request: web.Request) -> web.Response:
    """Route one admin request; bad input is a 400 with the reason, nothing changed."""
    try:
        parts = [p for p in request.path.split("/") if p][1:]
        body: Obj = {}
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else {}
        if not parts and request.method == "GET":
            return web.json_response(cluster.describe())
        pattern = "/".join("*" if i == 1 else part for i, part in enumerate(parts))
        route = ROUTES.get((request.method, pattern))
        if route is None:
            return web.json_response(
                {"error": f"no admin route {request.method} {request.path}"}, status=404
            )
        done = route(cluster, parts, body)
        if done is not None:
            await done
        return web.json_response(cluster.describe())
    except ApiError as err:
        return web.json_response(err.status(), status=err.code)
    except (KeyError, ValueError, TypeError) as exc:
        return web.json_response({"error": f"bad request: {exc!r}"}, status=400)


def _outage(cluster: SimCluster, parts: list[str], body: Obj) -> Awaitable[None]:
    then = body.get("then")
    return cluster.start_outage(
        body.get("mode", "503"),
        float(body.get("seconds", 5)),
        (then.get("mode", "503"), float(then.get("seconds", 5))) if then is not None else None,
    )


def _latency(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.knobs.latency_s = float(body.get("seconds", 0))


def _add_error(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.knobs.errors.append(
        InjectedError(
            verb=body["verb"],
            code=int(body["code"]),
            resource=body.get("resource"),
            count=int(body.get("count", 1)),
        )
    )


def _clear_errors(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.knobs.errors.clear()


def _watches(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    action = body.get("action", "close")
    if action == "expire":
        cluster.store.expire_watches()
    elif action == "close":
        cluster.store.close_watches()
    if "max_seconds" in body:
        cluster.knobs.watch_max_s = body["max_seconds"]
    if "drop_after_seconds" in body:
        cluster.knobs.watch_drop_after_s = body["drop_after_seconds"]
    if "bookmark_interval_seconds" in body:
        cluster.knobs.bookmark_interval_s = float(body["bookmark_interval_seconds"])


def _compact(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.store.compact()


def _add_fault(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    fault = body["fault"]
    if fault not in POD_FAULTS:
        raise ValueError(f"unknown fault {fault!r}; one of {POD_FAULTS}")
    if "crash_later_seconds" in body:
        cluster.knobs.crash_later_s = float(body["crash_later_seconds"])
    if "image" in body:
        cluster.knobs.image_faults[body["image"]] = fault
    else:
        ns, _, pod_name = body["pod"].rpartition("/")
        cluster.pod_faults[(ns or "default", pod_name)] = fault
    cluster.kick_pods()


def _clear_faults(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.knobs.image_faults.clear()
    cluster.pod_faults.clear()


def _http_fault(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    """`{"image": "shop:2*" | "version": "2", "error_ratio": 0.2, "latency_s": 0.3}`: pods of
    that image or version answer that share with 500 and that much later (0 and 0 clears)."""
    if ("image" in body) == ("version" in body):
        raise ValueError("name exactly one of image and version")
    key = body["image"] if "image" in body else f"version={body['version']}"
    fault = HttpFault(
        error_ratio=float(body.get("error_ratio", 0.0)), latency_s=float(body.get("latency_s", 0.0))
    )
    if fault.error_ratio == 0 and fault.latency_s == 0:
        cluster.knobs.http_faults.pop(key, None)
    else:
        cluster.knobs.http_faults[key] = fault


def _clear_http_faults(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.knobs.http_faults.clear()


def _image_commands(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    """`{"image": "shop:*", "programs": ["/app/bin/warm"]}`: what that image contains beside a
    shell (an empty list forgets it); exec hooks running anything else fail."""
    programs = [str(p) for p in body["programs"]]
    if programs:
        cluster.knobs.image_commands[str(body["image"])] = programs
    else:
        cluster.knobs.image_commands.pop(str(body["image"]), None)


def _controllers(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    name = str(body["name"])
    if name not in CONTROLLERS:
        raise ValueError(f"unknown controller {name!r}; one of {sorted(CONTROLLERS)}")
    if body.get("running", True):
        cluster.knobs.stopped_controllers.discard(name)
    else:
        cluster.knobs.stopped_controllers.add(name)


def _add_node(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    shape = NodeShape(**body["shape"]) if "shape" in body else None
    cluster.add_node(body["name"], labels=body.get("labels"), shape=shape)


def _remove_node(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.delete(NODE, None, parts[1], {})
    for pod in list(cluster.store.list(POD)):
        if (pod.get("spec") or {}).get("nodeName") == parts[1]:
            cluster.store.remove(POD, pod["metadata"]["namespace"], pod["metadata"]["name"])


def _node_ready(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.set_node_ready(parts[1], bool(body.get("ready", True)))


def _reset(cluster: SimCluster, parts: list[str], body: Obj) -> None:
    cluster.knobs = Knobs()
    cluster.pod_faults.clear()


# (method, path after /_kubesim with its second segment as `*`) → route
ROUTES: dict[tuple[str, str], Route] = {
    ("POST", "outage"): _outage,
    ("POST", "latency"): _latency,
    ("POST", "errors"): _add_error,
    ("DELETE", "errors"): _clear_errors,
    ("POST", "watches"): _watches,
    ("POST", "compact"): _compact,
    ("POST", "faults"): _add_fault,
    ("DELETE", "faults"): _clear_faults,
    ("POST", "http-faults"): _http_fault,
    ("DELETE", "http-faults"): _clear_http_faults,
    ("POST", "image-commands"): _image_commands,
    ("POST", "controllers"): _controllers,
    ("POST", "nodes"): _add_node,
    ("DELETE", "nodes/*"): _remove_node,
    ("POST", "nodes/*/ready"): _node_ready,
    ("POST", "reset"): _reset,
}
