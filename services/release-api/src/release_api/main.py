"""Flotilla release API service: create_app(settings) and its console script."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from flotilla_contracts import topics
from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.audit import router as audit_router
from flotilla_runtime.cli import run_service_cli
from flotilla_runtime.consumer import EventConsumer
from flotilla_runtime.leader import LeaderLock
from flotilla_runtime.readcache import ReadCache
from flotilla_runtime.registry import RegistryClient
from flotilla_runtime.supervisor import Worker
from release_api import __version__
from release_api.analysis.client import Measurements
from release_api.apps.endpoints import router as apps_router
from release_api.apps.scale import router as scale_router
from release_api.clients import Clusters, IngressSync, Registry
from release_api.discovery import router as discovery_router
from release_api.manifests.endpoints import router as manifests_router
from release_api.pods.endpoints import router as pods_router
from release_api.reads import CachedReads, cache_tags
from release_api.releases.deployed import router as deployed_router
from release_api.releases.endpoints import router as releases_router
from release_api.releases.fleet import router as fleet_router
from release_api.settings import Settings
from release_api.workers.rollouts import RolloutRunner
from release_api.workers.sync_events import on_sync_event

MIGRATIONS = Path(__file__).parent / "alembic"
READS_CHANNEL = "flotilla_release_api_reads"  # NOTIFY'd by the triggers of migration 0003


def build_workers(
    resources: Resources,
    *,
    registry: httpx.AsyncClient | None = None,
    k8s_sync: httpx.AsyncClient | None = None,
    monitor: httpx.AsyncClient | None = None,
) -> Sequence[Worker]:
    """The rollout runner (one replica at a time). `registry` / `k8s_sync` replace the HTTP
    clients (tests hand in-process services over)."""
    settings = cast(Settings, resources.settings)
    token = settings.service_bearer()
    registry_client = Registry(
        RegistryClient(
            registry or httpx.AsyncClient(base_url=settings.cluster_registry_url, timeout=15),
            token=token,
        )
    )
    ingress = IngressSync(
        k8s_sync or httpx.AsyncClient(base_url=settings.k8s_sync_url, timeout=15), token
    )
    leader = LeaderLock(settings.database_url, "release-api-runner")
    # shared with the endpoints; the runner closes it
    clusters = Clusters(registry_client, refresh_s=settings.connection_refresh_s)
    runner = RolloutRunner(
        resources.sessionmaker,
        clusters,
        ingress,
        drain_s=settings.ingress_propagation_s + settings.drain_margin_s,
        poll_s=settings.runner_poll_s,
        is_leader=lambda: leader.is_leader,
        draining=resources.draining,
        step_down=leader.step_down,
        registry=registry_client,
        measurements=Measurements(
            monitor or httpx.AsyncClient(base_url=settings.monitor_gateway_url, timeout=10),
            token,
        ),
    )
    sync_events = EventConsumer(
        name="sync-events",
        topics=[topics.SYNC],
        group_id="release-api.sync-events",
        handler=on_sync_event,
        engine=resources.engine,
        settings=settings,
    )
    cache = ReadCache(settings.database_url, READS_CHANNEL)
    cache.follow_commits(resources.engine, cache_tags)
    resources.service = ReleaseState(
        registry_client,
        clusters,
        runner,
        leader,
        cache,
        asyncio.Semaphore(settings.follow_max),
    )
    return [leader, runner, sync_events, cache]


@dataclass(frozen=True)
class ReleaseState:
    """What release-api's workers built that its endpoints read (release_api.deps)."""

    registry: Registry
    clusters: Clusters
    runner: RolloutRunner
    leader: LeaderLock
    cache: ReadCache
    streams: asyncio.Semaphore  # event streams this replica may still open


def _state(resources: Resources) -> Mapping[str, Any]:
    state = cast(ReleaseState, resources.service)
    return {
        "registry": state.registry,
        "clusters": state.clusters,
        "runner": state.runner,
        "cache": state.cache,
        "streams": state.streams,
    }


SPEC = ServiceSpec(
    name="release-api",
    title="Flotilla release API",
    version=__version__,
    description=(
        "Applications and multi-cluster releases: each cluster's rollout is its own state "
        "machine, gated on the ingress serving the new pods; scale, rollback, debug mode and "
        "pod isolation."
    ),
    routers=[
        apps_router,
        scale_router,
        manifests_router,
        releases_router,
        fleet_router,
        deployed_router,
        pods_router,
        audit_router,
        discovery_router,
    ],
    openapi_tags=[
        {"name": "apps", "description": "Applications and their deployment spec"},
        {
            "name": "releases",
            "description": "Releases to every cluster of an environment, per-cluster rollouts",
        },
        {"name": "pods", "description": "Pods isolated for a post-mortem"},
        {"name": "audit", "description": "Who did what, when, before → after"},
        {"name": "discovery", "description": "Where the services are and how to sign in"},
    ],
    workers=build_workers,
    state=_state,
    middleware=[CachedReads],
)


def create_app(settings: Settings | None = None, *, spec: ServiceSpec = SPEC) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(spec, settings)
    if settings.console_dir:
        # the console's static files, same origin as this API (hash routes: no fallback needed)
        console = StaticFiles(directory=settings.console_dir, html=True, check_dir=True)
        app.mount("/console", console, name="console")
    return app


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-release-api",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
