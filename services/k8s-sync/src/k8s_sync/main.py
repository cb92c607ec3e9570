"""Flotilla k8s-sync service: create_app(settings) and its console script."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import FastAPI

from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli
from flotilla_runtime.clusters import ClusterEvents, ClusterSource
from flotilla_runtime.leader import LeaderLock
from flotilla_runtime.supervisor import Worker
from k8s_sync import __version__
from k8s_sync.ingress.haproxy import HAProxyRuntime
from k8s_sync.settings import Settings
from k8s_sync.status.endpoints import router as status_router
from k8s_sync.sync.engine import IngressSync
from k8s_sync.sync.events import SyncEventPublisher, SyncFailurePublisher

MIGRATIONS = Path(__file__).parent / "alembic"


def build_workers(
    resources: Resources, *, registry: httpx.AsyncClient | None = None
) -> Sequence[Worker]:
    settings = cast(Settings, resources.settings)
    leader = LeaderLock(settings.database_url, "k8s-sync")
    engine = IngressSync(
        HAProxyRuntime(settings.haproxy_runtime),
        window_s=settings.sync_window_s,
        reconcile_s=settings.reconcile_s,
        is_leader=lambda: leader.is_leader,
    )
    engine.on_synced = SyncEventPublisher(engine, resources.sessionmaker)
    engine.on_failed = SyncFailurePublisher(engine, resources.sessionmaker)
    token = settings.service_bearer()
    source = ClusterSource(
        registry or httpx.AsyncClient(base_url=settings.cluster_registry_url, timeout=10),
        engine.set_clusters,
        refresh_s=settings.cluster_refresh_s,
        token=token,
    )
    events = ClusterEvents(source, settings)
    resources.extras.update(engine=engine, leader=leader, source=source)

    async def ingress_reachable() -> None:
        await engine.haproxy.info()

    resources.readiness["ingress"] = ingress_reachable
    return [leader, source, events, engine]


def _state(resources: Resources) -> Mapping[str, Any]:
    return {"engine": resources.extras["engine"], "leader": resources.extras["leader"]}


SPEC = ServiceSpec(
    name="k8s-sync",
    title="Flotilla k8s-sync",
    version=__version__,
    description="Keeps the unified ingress (HAProxy) in step with the ready pods of every cluster.",
    routers=[status_router],
    openapi_tags=[
        {"name": "sync", "description": "Per-cluster and per-application sync status"},
        {"name": "ingress", "description": "What the ingress serves, read back from it"},
    ],
    workers=build_workers,
    state=_state,
)


def create_app(settings: Settings | None = None, *, spec: ServiceSpec = SPEC) -> FastAPI:
    return create_service_app(spec, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-k8s-sync",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
