"""/v1/sync: informer health per cluster, desired vs applied per app, and a wait endpoint."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from flotilla_runtime.auth import Viewer
from flotilla_runtime.errors import PROBLEM_RESPONSES, FlotillaError
from k8s_sync.ingress.haproxy import HAProxyCommandError, HAProxyError
from k8s_sync.sync.desired import backend_name
from k8s_sync.sync.engine import IngressSync

router = APIRouter(tags=["sync"], responses=PROBLEM_RESPONSES)


def get_engine(request: Request) -> IngressSync:
    return cast(IngressSync, request.state.engine)


EngineDep = Annotated[IngressSync, Depends(get_engine)]


class WaitTimedOut(FlotillaError):
    status = 504
    type_ = "sync-wait-timeout"
    title = "The ingress did not reach the wanted state in time"


class BackendNotConfigured(FlotillaError):
    status = 404
    type_ = "backend-not-configured"
    title = "HAProxy's configuration has no backend for this app and environment"


class IngressUnavailable(FlotillaError):
    status = 502
    type_ = "ingress-unavailable"
    title = "The ingress's runtime API cannot be reached"


class ClusterSyncStatus(BaseModel):
    cluster: str
    state: str
    stale: bool
    resource_version: str
    seconds_since_last_event: float | None
    relists: int
    reconnects: int
    last_error: str | None
    endpoints: int
    lag_ms: float | None = Field(
        description="propagation latency of the latest change applied (seen → read back)"
    )


class ServerOut(BaseModel):
    server: str
    cluster: str
    pod: str
    address: str
    port: int
    state: str


class AppSyncStatus(BaseModel):
    app: str
    env: str
    backend: str
    desired: list[ServerOut]
    applied: list[ServerOut] = Field(description="read back from HAProxy now")
    in_sync: bool
    last_error: str | None


class WaitRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"cluster": "idc-a", "pods": ["web-7d9f-abcde", "web-7d9f-fghij"], "timeout_s": 30}
            ]
        },
    )

    cluster: str = Field(min_length=1, max_length=63)
    pods: list[str] = Field(max_length=10_000)
    timeout_s: float = Field(30.0, gt=0, le=600)


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
                lag_ms=round(view.last_lag_s * 1000, 1) if view.last_lag_s is not None else None,
            )
        )
    return out


class ReplicaStatus(BaseModel):
    leader: bool = Field(description="this replica holds the lock and writes to the ingress")
    applied_batches: int = Field(description="batches this replica applied since it started")
    failing_backends: dict[str, str]
    clusters: int


@router.get("/sync/replica", operation_id="syncReplica", summary="This replica: leader or follower")
async def replica(request: Request, engine: EngineDep, _: Viewer) -> ReplicaStatus:
    leader = getattr(request.state, "leader", None)
    return ReplicaStatus(
        leader=bool(leader.is_leader) if leader is not None else True,
        applied_batches=engine.applied_batches,
        failing_backends=dict(engine.failures),
        clusters=len(engine.connections),
    )


async def _status(engine: IngressSync, app: str, env: str) -> AppSyncStatus:
    backend = backend_name(app, env)
    desired = [
        ServerOut(
            server=e.server,
            cluster=e.cluster,
            pod=e.pod,
            address=e.address,
            port=e.port,
            state=str(e.desired_state),
        )
        for e in engine.desired(backend)
        if e.desired_state
    ]
    by_server = {d.server: d for d in desired}
    try:
        servers = await engine.haproxy.servers(backend)
    except HAProxyCommandError as exc:
        if "find backend" in exc.reply or "No such backend" in exc.reply:
            raise BackendNotConfigured(
                f"HAProxy has no backend {backend}: declare it in its configuration (see the "
                "README, 'The HAProxy template') and reload HAProxy",
                backend=backend,
            ) from None
        raise IngressUnavailable(str(exc)) from None
    except HAProxyError as exc:
        raise IngressUnavailable(str(exc)) from None
    applied = [
        ServerOut(
            server=s.name,
            cluster=s.name.split(".", 1)[0],
            pod=by_server[s.name].pod if s.name in by_server else s.name.rsplit(".", 1)[-1],
            address=s.address,
            port=s.port,
            state=s.state,
        )
        for s in servers
    ]
    in_sync = {(d.server, d.state) for d in desired} == {(a.server, a.state) for a in applied}
    return AppSyncStatus(
        app=app,
        env=env,
        backend=backend,
        desired=desired,
        applied=applied,
        in_sync=in_sync,
        last_error=engine.failures.get(backend),
    )


@router.get(
    "/sync/apps/{app}/{env}",
    operation_id="appSyncStatus",
    summary="What the ingress should serve for an app, and what it serves",
)
async def app_status(app: str, env: str, engine: EngineDep, _: Viewer) -> AppSyncStatus:
    return await _status(engine, app, env)


@router.post(
    "/sync/apps/{app}/{env}/wait",
    operation_id="waitForIngress",
    summary="Block until the ingress serves exactly these pods of a cluster",
)
async def wait(
    app: str, env: str, data: WaitRequest, engine: EngineDep, _: Viewer
) -> AppSyncStatus:
    want = set(data.pods)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + data.timeout_s
    while True:
        status = await _status(engine, app, env)
        serving = {
            a.pod for a in status.applied if a.cluster == data.cluster and a.state == "ready"
        }
        if serving == want:
            return status
        if loop.time() >= deadline:
            raise WaitTimedOut(
                f"{data.cluster}: serving {sorted(serving)[:20]}, wanted {sorted(want)[:20]}",
                serving=sorted(serving),
                wanted=sorted(want),
            )
        await asyncio.sleep(0.05)
