"""After each applied batch: what an ingress instance now serves, per cluster, as sync events.

Events are published through the outbox; their CloudEvent `source` names the ingress instance
(`/flotilla/k8s-sync/ingress/<name>`), so a consumer that cares about one instance filters on
it, and the payloads stay those of `flotilla_contracts` v1. A failure is reported for what
concerns an application — a refused command, a read back that differs, a configuration that
`haproxy -c` refused — not for an instance that is down: that is the instance's health (status
API, `flotilla_ingress_up`), and it is repaired when the instance returns.

The ingress is never held up by its events: while the database is away (the outbox cannot take
them), the newest event per key is kept in memory and written with the next batch's events once
it answers. An older event of the same key is superseded by design: each says what a backend
serves in a cluster now.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.enums import Stage
from flotilla_contracts.events import EventPayload, IngressEndpoint, SyncAppliedV1, SyncFailedV1
from flotilla_runtime.db import session_scope
from flotilla_runtime.outbox import add_event
from flotilla_runtime.transient import outage
from k8s_sync.ingress.haproxy import ServerState
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.sync.routes import GRAY_SUFFIX
from k8s_sync.workers.ingress_sync import IngressSync

log = structlog.get_logger(__name__)
SOURCE = "/flotilla/k8s-sync"
_STAGES = {s.value for s in Stage}


def source_of(instance: IngressInstance) -> str:
    return f"{SOURCE}/ingress/{instance.ingress}"


def app_env(backend: str) -> tuple[str, str]:
    app, _, env = backend.removesuffix(GRAY_SUFFIX).partition(".")
    return app, env


Outboxed = tuple[EventPayload, str, str, str]  # payload, source, key, subject


class _HeldThroughOutages:
    """Writes events to the outbox; during a database outage keeps the newest per key.

    Per source (one ingress instance): a write takes only its own source's held events, under
    that source's lock, so one instance's events are written one transaction at a time, in
    order. (Sharing one store, each instance's write also took the other's events still being
    written: the same report twice under two ids, and a source's events out of order — found
    by the fault suite's event ledger.)"""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._held: dict[str, dict[str, Outboxed]] = {}  # source → key → newest event
        self._locks: dict[str, asyncio.Lock] = {}

    async def write(self, events: list[Outboxed]) -> None:
        for source in dict.fromkeys(event[1] for event in events):
            mine = [event for event in events if event[1] == source]
            async with self._locks.setdefault(source, asyncio.Lock()):
                await self._write(source, mine)

    async def _write(self, source: str, events: list[Outboxed]) -> None:
        held = self._held.setdefault(source, {})
        for event in events:
            held[event[2]] = event
        try:
            async with session_scope(self._sessionmaker) as session:
                for payload, _, key, subject in held.values():
                    await add_event(session, payload, source=source, key=key, subject=subject)
        except Exception as exc:
            if (away := outage(exc)) is None:
                raise
            log.warning("sync_events_held", dependency=away, source=source, held=len(held))
            return
        held.clear()


class SyncEventPublisher:
    """`on_synced` callback of every instance: one SyncAppliedV1 per (app, env, cluster)."""

    def __init__(self, engine: IngressSync, sessionmaker: async_sessionmaker[AsyncSession]):
        self._engine = engine
        self._outbox = _HeldThroughOutages(sessionmaker)

    async def __call__(
        self, instance: IngressInstance, backend: str, servers: list[ServerState]
    ) -> None:
        if backend.endswith(GRAY_SUFFIX):
            return  # the twin repeats the main backend's gray pods
        app, env = app_env(backend)
        desired = {(e.address, e.port): e for e in self._engine.desired(backend)}
        by_cluster: dict[str, list[IngressEndpoint]] = {e.cluster: [] for e in desired.values()}
        for server in servers:
            endpoint = desired.get((server.address, server.port))
            if server.state == "maint" or endpoint is None:
                continue  # a free slot, or one no cluster's view explains
            by_cluster[endpoint.cluster].append(
                IngressEndpoint(
                    pod=endpoint.pod,
                    address=server.address,
                    port=server.port,
                    stage=Stage(endpoint.stage) if endpoint.stage in _STAGES else Stage.STABLE,
                    state=server.state,
                )
            )
        now = datetime.now(UTC)
        events: list[Outboxed] = []
        for cluster, endpoints in sorted(by_cluster.items()):
            view = self._engine.views.get(cluster)
            versions = (
                {
                    k: v
                    for k, v in view.slice_versions.items()
                    if k in view.by_backend.get(backend, ())
                }
                if view
                else {}
            )
            applied = SyncAppliedV1(
                app=app,
                env=env,
                cluster=cluster,
                endpoints=tuple(sorted(endpoints, key=lambda e: e.pod)),
                resource_versions=versions,
                applied_at=now,
            )
            events.append((applied, source_of(instance), f"{backend}/{cluster}", backend))
        await self._outbox.write(events)


class SyncFailurePublisher:
    """`on_failed` callback: one SyncFailedV1 per cluster the backend's endpoints come from,
    when a backend starts failing on an instance (not on every retry)."""

    def __init__(self, engine: IngressSync, sessionmaker: async_sessionmaker[AsyncSession]):
        self._engine = engine
        self._outbox = _HeldThroughOutages(sessionmaker)

    async def __call__(self, instance: IngressInstance, backend: str, reason: str) -> None:
        app, env = app_env(backend)
        main = backend.removesuffix(GRAY_SUFFIX)
        clusters = {e.cluster for e in self._engine.desired(main)}
        clusters |= {
            name
            for name, view in self._engine.views.items()
            if any(r.backend == main for r in view.services.values())
        }
        now = datetime.now(UTC)
        await self._outbox.write(
            [
                (
                    SyncFailedV1(
                        app=app, env=env, cluster=cluster, reason=reason[:1000], failed_at=now
                    ),
                    source_of(instance),
                    f"{main}/{cluster}",
                    main,
                )
                for cluster in sorted(clusters)
            ]
        )
