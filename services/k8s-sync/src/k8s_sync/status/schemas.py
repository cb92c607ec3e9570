"""What k8s-sync's API answers and accepts (/v1/sync, /v1/ingress)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat


class ClusterSyncStatus(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cluster": "idc-a-1",
                    "state": "watching",
                    "stale": False,
                    "resource_version": "482113",
                    "seconds_since_last_event": 0.8,
                    "relists": 1,
                    "reconnects": 0,
                    "last_error": None,
                    "endpoints": 240,
                    "services": 31,
                    "lag_ms": 180.0,
                }
            ]
        }
    )

    cluster: str
    state: str
    stale: bool
    resource_version: str
    seconds_since_last_event: float | None
    relists: int
    reconnects: int
    last_error: str | None
    endpoints: int
    services: int = Field(description="Flotilla Services seen (the cluster's part of the routes)")
    lag_ms: float | None = Field(
        description="propagation latency of the latest change applied (seen → read back)"
    )


class ServerOut(BaseModel):
    slot: str | None = Field(None, description="the HAProxy server slot holding it")
    cluster: str
    pod: str
    address: str
    port: int
    state: str


class InstanceAppStatus(BaseModel):
    ingress: str
    up: bool = Field(description="the instance's runtime API answers")
    serving: bool = Field(
        default=True,
        description="it serves traffic: up, or blocked (running while its runtime API fails, "
        "so it serves what it had); an instance that serves is waited for",
    )
    configured: bool = Field(description="its running configuration has the backend")
    pending: str | None = Field(description="why it does not serve the desired state yet")
    applied: list[ServerOut] = Field(description="read back from this instance now")
    in_sync: bool


_SERVER: dict[str, Any] = {
    "slot": "s1",
    "cluster": "idc-a-1",
    "pod": "shop-7d9f-abcde",
    "address": "10.1.4.17",
    "port": 8080,
    "state": "ready",
}


class AppSyncStatus(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "app": "shop",
                    "env": "prod",
                    "backend": "shop-prod",
                    "hosts": ["shop.prod.apps.example.com"],
                    "route_errors": [],
                    "desired": [_SERVER],
                    "instances": [
                        {
                            "ingress": "ingress-a",
                            "up": True,
                            "configured": True,
                            "pending": None,
                            "applied": [_SERVER],
                            "in_sync": True,
                        }
                    ],
                    "in_sync": True,
                    "last_error": None,
                }
            ]
        }
    )

    app: str
    env: str
    backend: str
    hosts: list[str] = Field(description="hostnames routed to it")
    route_errors: list[str] = Field(description="what in its route was refused, and why")
    desired: list[ServerOut]
    instances: list[InstanceAppStatus]
    in_sync: bool = Field(description="every instance that is up serves exactly `desired`")
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
    timeout_s: StrictFloat = Field(30.0, gt=0, le=600)


class IngressFollowing(BaseModel):
    """Whether the ingress follows an app's pods as they change, per cluster."""

    clusters: dict[str, list[str]] = Field(
        description="every cluster this replica watches → why the ingress does not follow the "
        "app's pods there (empty: it does); a cluster missing here is not watched at all",
        examples=[{"idc-a-1": [], "idc-b-1": ["cluster idc-b-1 is not watched live (listing)"]}],
    )


class ReplicaStatus(BaseModel):
    leader: bool = Field(description="this replica holds the lock and writes to the ingress")
    applied_batches: int = Field(description="batches this replica applied since it started")
    failing_backends: dict[str, str] = Field(description="`<ingress>/<backend>` → last error")
    clusters: int


class ReloadOut(BaseModel):
    generation: int
    at: datetime
    duration_ms: float = Field(description="render, check, save state, reload, new worker up")
    render_ms: float = Field(description="rendering the configuration's text")
    outcome: str = Field(description="ok | invalid (refused by haproxy -c) | failed")
    reason: str = Field(description="what changed: new, resized, shrunk or removed backends")
    error: str | None


class InstanceOut(BaseModel):
    name: str
    up: bool
    pid: str | None = Field(description="the worker's pid (changes on reload and restart)")
    last_error: str | None
    generation: int | None = Field(description="configuration generation it runs")
    layout_digest: str | None
    pending_reload: bool = Field(description="the layout it needs differs from the running one")
    last_reload: ReloadOut | None
    backends: int
    slots_used: int
    slots_free: int
    failing_backends: dict[str, str]
    applied_batches: int


class RouteOut(BaseModel):
    app: str
    env: str
    backend: str
    hosts: list[str]
    gray_twin: str | None = Field(description="backend `x-flotilla-stage: gray` reaches")
    errors: list[str]


class RouteErrorOut(BaseModel):
    backend: str
    errors: list[str]


class RoutesOut(BaseModel):
    routes: list[RouteOut]
    refused: list[RouteErrorOut] = Field(
        description="backends whose route could not be rendered at all, and why"
    )
