"""After each applied batch: what the ingress now serves, per cluster, as sync events."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.enums import Stage
from flotilla_contracts.events import IngressEndpoint, SyncAppliedV1, SyncFailedV1
from flotilla_runtime.db import session_scope
from flotilla_runtime.outbox import add_event
from k8s_sync.ingress.haproxy import ServerState
from k8s_sync.sync.engine import IngressSync

SOURCE = "/flotilla/k8s-sync"


class SyncEventPublisher:
    """`on_synced` callback of the engine: one SyncAppliedV1 per (app, env, cluster)."""

    def __init__(self, engine: IngressSync, sessionmaker: async_sessionmaker[AsyncSession]):
        self._engine = engine
        self._sessionmaker = sessionmaker

    async def __call__(self, backend: str, servers: list[ServerState]) -> None:
        app, _, env = backend.partition(".")
        desired = {e.server: e for e in self._engine.desired(backend)}
        by_cluster: dict[str, list[IngressEndpoint]] = {}
        for server in servers:
            endpoint = desired.get(server.name)
            cluster = endpoint.cluster if endpoint else server.name.split(".", 1)[0]
            pod = endpoint.pod if endpoint else server.name.rsplit(".", 1)[-1]
            by_cluster.setdefault(cluster, []).append(
                IngressEndpoint(
                    pod=pod,
                    address=server.address,
                    port=server.port,
                    stage=Stage(endpoint.stage)
                    if endpoint and endpoint.stage in Stage.__members__.values()
                    else Stage.STABLE,
                    state=server.state,
                )
            )
        for endpoint in desired.values():
            by_cluster.setdefault(endpoint.cluster, [])
        now = datetime.now(UTC)
        async with session_scope(self._sessionmaker) as session:
            for cluster, endpoints in sorted(by_cluster.items()):
                view = self._engine.views.get(cluster)
                versions = (
                    {
                        k: v
                        for k, v in (view.slice_versions if view else {}).items()
                        if any(e.backend == backend for e in view.slices.get(k, []))
                    }
                    if view
                    else {}
                )
                await add_event(
                    session,
                    SyncAppliedV1(
                        app=app,
                        env=env,
                        cluster=cluster,
                        endpoints=tuple(sorted(endpoints, key=lambda e: e.pod)),
                        resource_versions=versions,
                        applied_at=now,
                    ),
                    source=SOURCE,
                    key=f"{backend}/{cluster}",
                    subject=backend,
                )


class SyncFailurePublisher:
    """`on_failed` callback: one SyncFailedV1 per cluster the backend's endpoints come from,
    when a backend starts failing (not on every retry)."""

    def __init__(self, engine: IngressSync, sessionmaker: async_sessionmaker[AsyncSession]):
        self._engine = engine
        self._sessionmaker = sessionmaker

    async def __call__(self, backend: str, reason: str) -> None:
        app, _, env = backend.partition(".")
        clusters = sorted({e.cluster for e in self._engine.desired(backend)})
        now = datetime.now(UTC)
        async with session_scope(self._sessionmaker) as session:
            for cluster in clusters:
                await add_event(
                    session,
                    SyncFailedV1(
                        app=app, env=env, cluster=cluster, reason=reason[:1000], failed_at=now
                    ),
                    source=SOURCE,
                    key=f"{backend}/{cluster}",
                    subject=backend,
                )
