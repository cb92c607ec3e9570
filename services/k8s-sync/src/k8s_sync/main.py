"""Flotilla k8s-sync service: create_app(settings) and its console script."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import FastAPI

from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli
from flotilla_runtime.clusters import ClusterEvents, ClusterSource
from flotilla_runtime.leader import LeaderLock
from flotilla_runtime.registry import RegistryClient
from flotilla_runtime.supervisor import Worker
from k8s_sync import __version__
from k8s_sync.ingress import bootstrap
from k8s_sync.ingress.haproxy import HAProxyError, HAProxyRuntime
from k8s_sync.ingress.instance import IngressInstance, InstanceTuning
from k8s_sync.ingress.master import MasterCLI
from k8s_sync.ingress.traffic import TrafficLog
from k8s_sync.settings import Settings
from k8s_sync.status.endpoints import router as status_router
from k8s_sync.status.ingress import router as ingress_router
from k8s_sync.status.reads import SharedReads, WaitLimits
from k8s_sync.sync.events import SyncEventPublisher, SyncFailurePublisher
from k8s_sync.sync.routes import DomainTemplates
from k8s_sync.workers.ingress_sync import IngressSync

MIGRATIONS = Path(__file__).parent / "alembic"


def build_instances(settings: Settings, *, is_leader: Any = None) -> list[IngressInstance]:
    tuning = InstanceTuning(
        slots_min=settings.slots_min,
        slots_headroom=settings.slots_headroom,
        window_s=settings.sync_window_s,
        reconcile_s=settings.reconcile_s,
        drift_check_s=settings.drift_check_s,
        reload_delay_s=settings.reload_delay_s,
        prune_after_s=settings.prune_after_s,
    )
    return [
        IngressInstance(
            i.name,
            i.paths(),
            runtime=HAProxyRuntime(i.runtime_address),
            master=MasterCLI(i.master_socket),
            tuning=tuning,
            is_leader=is_leader,
        )
        for i in settings.ingresses
    ]


def build_workers(
    resources: Resources, *, registry: httpx.AsyncClient | None = None
) -> Sequence[Worker]:
    settings = cast(Settings, resources.settings)
    leader = LeaderLock(settings.database_url, settings.leader_lock)
    instances = build_instances(settings, is_leader=lambda: leader.is_leader)
    # Nothing is served until the registry says which namespaces each environment uses.
    engine = IngressSync(
        instances, templates=DomainTemplates(settings.domain_templates), placements={}
    )
    synced = SyncEventPublisher(engine, resources.sessionmaker)
    failed = SyncFailurePublisher(engine, resources.sessionmaker)
    for instance in instances:
        instance.on_synced, instance.on_failed = synced, failed
    source = ClusterSource(
        RegistryClient(
            registry or httpx.AsyncClient(base_url=settings.cluster_registry_url, timeout=10),
            token=settings.service_bearer(),
        ),
        engine.set_clusters,
        refresh_s=settings.cluster_refresh_s,
        environments=engine.set_placements,
    )
    events = ClusterEvents(source, settings)
    resources.service = SyncState(engine, leader, source, SharedReads(), WaitLimits())

    async def ingress_reachable() -> None:
        """Ready while at least one instance's runtime API answers (each is driven alone)."""
        errors = []
        for instance in instances:
            try:
                await instance.runtime.info()
                return
            except HAProxyError as exc:
                errors.append(f"{instance.ingress}: {exc}")
        raise HAProxyError("; ".join(errors))

    resources.readiness["ingress"] = ingress_reachable

    def endpoints(backend: str) -> list[tuple[str, int, str, str]]:
        return [(e.address, e.port, e.cluster, e.stage) for e in engine.desired(backend)]

    traffic = TrafficLog(
        [Path(i.traffic_path) for i in settings.ingresses], endpoints, lambda: leader.is_leader
    )
    return [leader, source, events, engine, traffic, *instances]


@dataclass(frozen=True)
class SyncState:
    """What k8s-sync's workers built that its endpoints read."""

    engine: IngressSync
    leader: LeaderLock
    source: ClusterSource
    reads: SharedReads  # status reads of HAProxy, shared by callers
    waits: WaitLimits


def _state(resources: Resources) -> Mapping[str, Any]:
    state = cast(SyncState, resources.service)
    # Not "engine": that is the runtime's database engine in the same request state.
    return {
        "ingress_sync": state.engine,
        "leader": state.leader,
        "sync_reads": state.reads,
        "sync_waits": state.waits,
    }


SPEC = ServiceSpec(
    name="k8s-sync",
    title="Flotilla k8s-sync",
    version=__version__,
    description="Owns the unified ingress: renders HAProxy's configuration from the platform's "
    "Services, reloads it only when backends change, and keeps every instance in step with "
    "the ready pods of every cluster through the runtime API.",
    routers=[status_router, ingress_router],
    openapi_tags=[
        {"name": "sync", "description": "Per-cluster and per-application sync status"},
        {"name": "ingress", "description": "The ingress instances, their configuration and routes"},
    ],
    workers=build_workers,
    state=_state,
)


def create_app(settings: Settings | None = None, *, spec: ServiceSpec = SPEC) -> FastAPI:
    return create_service_app(spec, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ingress-config"]:
        return bootstrap.main(argv[1:])
    return run_service_cli(
        prog="flotilla-k8s-sync",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
