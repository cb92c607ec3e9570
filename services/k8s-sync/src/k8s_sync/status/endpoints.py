"""/v1/sync: informer health per cluster, desired vs applied per app, and a wait endpoint."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request

from flotilla_runtime.auth import Viewer
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NamePath
from k8s_sync.deps import EngineDep, ReadsDep, WaitsDep
from k8s_sync.errors import RouteNotRendered, WaitTimedOut
from k8s_sync.ingress.haproxy import HAProxyError
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.status.reads import SharedReads
from k8s_sync.status.schemas import (
    AppSyncStatus,
    ClusterSyncStatus,
    IngressFollowing,
    InstanceAppStatus,
    ReplicaStatus,
    ServerOut,
    WaitRequest,
)
from k8s_sync.sync.desired import Endpoint, backend_name
from k8s_sync.sync.routes import GRAY_SUFFIX
from k8s_sync.workers.ingress_sync import IngressSync

router = APIRouter(tags=["sync"], responses=PROBLEM_RESPONSES)


@router.get("/sync/clusters", operation_id="syncClusters", summary="Watch health per cluster")
async def clusters(engine: EngineDep, _: Viewer) -> list[ClusterSyncStatus]:
    now = time.monotonic()
    out = []
    for name, view in sorted(engine.views.items()):
        health = view.informer.health if view.informer else None
        out.append(
            ClusterSyncStatus(
                cluster=name,
                state=health.state if health else "stopped",
                stale=view.stale,
                resource_version=health.resource_version if health else "",
                seconds_since_last_event=round(now - health.last_event_at, 3)
                if health and health.last_event_at
                else None,
                relists=health.relists if health else 0,
                reconnects=health.reconnects if health else 0,
                last_error=health.last_error if health else None,
                endpoints=sum(len(v) for v in view.slices.values()),
                services=len(view.services),
                lag_ms=round(view.last_lag_s * 1000, 1) if view.last_lag_s is not None else None,
            )
        )
    return out


@router.get(
    "/sync/apps/{app}/{env}/following",
    operation_id="ingressFollowing",
    summary="Whether the ingress follows an app's pods as they change, per cluster",
)
async def following(app: NamePath, env: NamePath, engine: EngineDep, _: Viewer) -> IngressFollowing:
    """release-api asks this before each step that replaces pods, and holds the rollout (its
    Deployment paused) while the answer for its cluster is no: a pod replaced while the
    ingress cannot move off it would fail the requests still sent to it. Not following in a
    cluster: it is not watched live (its pods' changes are not seen); in every cluster: the
    app's backend failed to apply on an instance that is up, or an instance serves while its
    runtime API fails (changes do not reach that HAProxy). An instance that is down — not
    running — serves nothing and holds nothing. Cheap: no HAProxy read."""
    backend = backend_name(app, env)
    failing = [
        f"{instance.ingress}: {name} fails: {instance.failures[name]}"
        for instance in engine.instances
        if instance.up
        for name in (backend, f"{backend}{GRAY_SUFFIX}")
        if name in instance.failures
    ]
    failing += [
        f"{instance.ingress}: {instance.blocked}"
        for instance in engine.instances
        if instance.blocked
    ]
    clusters = {}
    for name, view in sorted(engine.views.items()):
        reasons = list(failing)
        if view.stale:
            state = view.informer.health.state if view.informer else "stopped"
            reasons.insert(0, f"cluster {name} is not watched live ({state})")
        clusters[name] = reasons
    return IngressFollowing(clusters=clusters)


@router.get("/sync/replica", operation_id="syncReplica", summary="This replica: leader or follower")
async def replica(request: Request, engine: EngineDep, _: Viewer) -> ReplicaStatus:
    leader = getattr(request.state, "leader", None)
    return ReplicaStatus(
        leader=bool(leader.is_leader) if leader is not None else True,
        applied_batches=sum(i.applied_batches for i in engine.instances),
        failing_backends={
            f"{i.ingress}/{b}": why for i in engine.instances for b, why in i.failures.items()
        },
        clusters=len(engine.connections),
    )


def _server(endpoint: Endpoint, slot: str | None = None, state: str | None = None) -> ServerOut:
    return ServerOut(
        slot=slot,
        cluster=endpoint.cluster,
        pod=endpoint.pod,
        address=endpoint.address,
        port=endpoint.port,
        state=state or str(endpoint.desired_state),
    )


async def _on_instance(
    reads: SharedReads, instance: IngressInstance, backend: str, desired: list[Endpoint]
) -> InstanceAppStatus:
    by_key = {(e.address, e.port): e for e in desired}
    if not instance.up:
        why = f"instance down: {instance.last_error}" if instance.last_error else "instance down"
        if instance.blocked:
            why = f"instance blocked (it serves what it had): {instance.blocked}"
        return InstanceAppStatus(
            ingress=instance.ingress,
            up=False,
            serving=instance.blocked is not None,
            configured=False,
            pending=why,
            applied=[],
            in_sync=False,
        )
    if not instance.has_backend(backend):
        return InstanceAppStatus(
            ingress=instance.ingress,
            up=True,
            configured=False,
            pending="backend being created (a reload is pending)",
            applied=[],
            in_sync=False,
        )
    try:
        servers = await reads.servers(instance, backend)
    except HAProxyError as exc:
        return InstanceAppStatus(
            ingress=instance.ingress,
            up=False,
            configured=True,
            pending=str(exc)[:300],
            applied=[],
            in_sync=False,
        )
    applied = []
    for s in servers:
        if s.state == "maint":
            continue
        endpoint = by_key.get((s.address, s.port))
        if endpoint is None:  # a slot no cluster's view explains
            applied.append(
                ServerOut(
                    slot=s.name, cluster="", pod="", address=s.address, port=s.port, state=s.state
                )
            )
        else:
            applied.append(_server(endpoint, s.name, s.state))
    want = {(e.address, e.port, str(e.desired_state)) for e in desired if e.desired_state}
    have = {(a.address, a.port, a.state) for a in applied}
    return InstanceAppStatus(
        ingress=instance.ingress,
        up=True,
        configured=True,
        pending=None if want == have else "applying",
        applied=applied,
        in_sync=want == have,
    )


async def app_sync_status(
    engine: IngressSync, reads: SharedReads, app: str, env: str
) -> AppSyncStatus:
    backend = backend_name(app, env)
    routes = engine.routes
    desired = engine.desired(backend)
    instances = await asyncio.gather(
        *(_on_instance(reads, i, backend, desired) for i in engine.instances)
    )
    serving = [i for i in instances if i.serving]
    return AppSyncStatus(
        app=app,
        env=env,
        backend=backend,
        hosts=list(routes.routes[backend].hosts) if backend in routes.routes else [],
        route_errors=routes.errors.get(backend, []),
        desired=[_server(e) for e in desired if e.desired_state],
        instances=list(instances),
        in_sync=bool(serving) and all(i.in_sync for i in serving),
        last_error=next(
            (i.failures[backend] for i in engine.instances if backend in i.failures), None
        ),
    )


@router.get(
    "/sync/apps/{app}/{env}",
    operation_id="appSyncStatus",
    summary="What the ingress should serve for an app, and what each instance serves",
)
async def app_status(
    app: NamePath, env: NamePath, engine: EngineDep, reads: ReadsDep, _: Viewer
) -> AppSyncStatus:
    return await app_sync_status(engine, reads, app, env)


def _serving(status: InstanceAppStatus, cluster: str) -> set[str]:
    """Pods of `cluster` the instance sends new requests to (a slot nobody explains counts
    against every cluster: it may be anyone's old pod)."""
    return {
        a.pod or f"{a.address}:{a.port}"
        for a in status.applied
        if a.state == "ready" and a.cluster in (cluster, "")
    }


@router.post(
    "/sync/apps/{app}/{env}/wait",
    operation_id="waitForIngress",
    summary="Block until every ingress instance that serves traffic serves exactly these pods",
    responses={
        409: {"description": "The route cannot be rendered (invalid app or env name)"},
        429: {"description": "The caller (or this replica) holds as many waits as it may"},
        504: {"description": "Not in that state within `timeout_s`; the detail says per instance"},
    },
)
async def wait(
    app: NamePath,
    env: NamePath,
    data: WaitRequest,
    engine: EngineDep,
    reads: ReadsDep,
    waits: WaitsDep,
    who: Viewer,
) -> AppSyncStatus:
    """A backend still being created (its reload pending) is waited for, within the timeout;
    an instance that is down is not waited for (it serves nothing, and is repaired in full when
    it returns), but one that is blocked is: it still serves, from what it had, so until its
    runtime API takes changes again it may send requests to pods the caller is about to stop.
    HAProxy is read at most every 100 ms per backend however many wait (status/reads.py)."""
    with waits.hold(who.subject):
        return await _wait(engine, reads, app, env, data)


async def _wait(
    engine: IngressSync, reads: SharedReads, app: str, env: str, data: WaitRequest
) -> AppSyncStatus:
    backend = backend_name(app, env)
    want = set(data.pods)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + data.timeout_s
    while True:
        routes = engine.routes
        if backend not in routes.routes and backend in routes.errors:
            raise RouteNotRendered(
                f"{backend}: {'; '.join(routes.errors[backend])}", backend=backend
            )
        status = await app_sync_status(engine, reads, app, env)
        serving = [i for i in status.instances if i.serving]
        if serving and all(i.configured and _serving(i, data.cluster) == want for i in serving):
            return status
        if loop.time() >= deadline:
            raise WaitTimedOut(
                "; ".join(_why(i, data.cluster, want) for i in status.instances)
                or "no ingress instance is configured",
                instances={
                    i.ingress: {
                        "up": i.up,
                        "pending": i.pending,
                        "serving": sorted(_serving(i, data.cluster))[:20],
                    }
                    for i in status.instances
                },
                wanted=sorted(want)[:20],
            )
        await asyncio.sleep(reads.max_age_s)


def _why(status: InstanceAppStatus, cluster: str, want: set[str]) -> str:
    if not status.up or not status.configured:
        return f"{status.ingress}: {status.pending}"
    serving = _serving(status, cluster)
    return (
        f"{status.ingress}: serving {sorted(serving)[:10]} of {cluster}, wanted {sorted(want)[:10]}"
    )
