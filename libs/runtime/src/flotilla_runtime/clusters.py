"""Which clusters to watch: cluster-registry's list, re-read when its events say it changed.

Used by every service that watches all clusters (k8s-sync's EndpointSlices, monitor-gateway's
pods); the service hands over what to do with the list (`apply`).

cluster-registry publishes `io.flotilla.cluster.registered|updated|deregistered` on
`flotilla.clusters.v1`; `ClusterEvents` (every replica reads every event: no consumer group)
asks the source to re-read at once, so a registration, a credential rotation or a
deregistration starts, restarts or stops that cluster's informer within about a second, without
a restart of the service. Events carry no credentials, so the source always reads the
connection from the registry's internal endpoint. A slow poll (`cluster_refresh_s`) remains as
the safety net for missed events (broker down, events published before this replica started).
A registry that does not answer changes nothing: the clusters being synced stay synced.

A list that suddenly lost every cluster, or more than half of them (a registry pointed at the
wrong database, a bad deploy, a restore), is not applied at once: the clusters being synced
stay synced, and the list is read again after `CONFIRM_S`; only a second read that agrees is
applied. (k8s-sync would otherwise take every server of those clusters out of the ingress in
one batch.) A deregistration of one cluster among several is applied at once.

A service that needs the environments too (k8s-sync serves only the namespaces they map) passes
`environments`: it gets the registry's environments after each cluster list, and
`io.flotilla.environment.changed` triggers a re-read as well.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from flotilla_contracts import ClusterConnection, topics
from flotilla_contracts.events import (
    ClusterDeregisteredV1,
    ClusterRegisteredV1,
    ClusterUpdatedV1,
    EnvironmentChangedV1,
)
from flotilla_runtime.kafka import start_or_stop
from flotilla_runtime.registry import (
    RegisteredEnvironment,
    RegistryClient,
    RegistryUnavailable,
)
from flotilla_runtime.settings import KafkaSettings

log = structlog.get_logger(__name__)
REFRESH_ON = frozenset(
    model.event_type.encode()
    for model in (ClusterRegisteredV1, ClusterUpdatedV1, ClusterDeregisteredV1)
)
ENVIRONMENT_CHANGED = EnvironmentChangedV1.event_type.encode()
CONFIRM_S = 2.0


class ClusterSource:
    name = "cluster-source"

    def __init__(
        self,
        registry: RegistryClient,
        apply: Callable[[list[ClusterConnection]], Awaitable[None]],
        *,
        refresh_s: float,
        environments: Callable[[list[RegisteredEnvironment]], Awaitable[None]] | None = None,
    ) -> None:
        self._registry = registry
        self._apply = apply
        self._environments = environments
        # the event types that make this source read again
        self.refresh_on = REFRESH_ON | ({ENVIRONMENT_CHANGED} if environments else set())
        self._refresh_s = refresh_s
        self._refresh = asyncio.Event()
        self.synced = asyncio.Event()
        self._applied: frozenset[str] | None = None
        self._held: frozenset[str] | None = None

    def refresh_now(self) -> None:
        self._refresh.set()

    async def run(self) -> None:
        try:
            while True:
                self._refresh.clear()
                wait_s = self._refresh_s
                try:
                    if await self._read():
                        if self._environments is not None:
                            await self._environments(await self._registry.environments())
                        self.synced.set()
                    else:
                        wait_s = min(wait_s, CONFIRM_S)
                except RegistryUnavailable as exc:
                    log.warning("cluster_list_unavailable", error=repr(exc)[:300])
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait_s):
                        await self._refresh.wait()
        finally:
            await self._registry.aclose()

    async def fetch(self) -> list[ClusterConnection]:
        return await self._registry.connections()

    async def _read(self) -> bool:
        """Read the list and apply it; False when it is held for a confirming read."""
        connections = await self.fetch()
        names = frozenset(c.cluster for c in connections)
        had = self._applied or frozenset()
        shrank = bool(had) and (not names or 2 * len(had - names) > len(had))
        if shrank and self._held != names:
            self._held = names
            log.warning(
                "cluster_list_shrink_unconfirmed",
                had=len(had),
                now=len(names),
                confirm_in_s=CONFIRM_S,
            )
            return False
        self._held = None
        await self._apply(connections)
        self._applied = names
        return True


class ClusterEvents:
    """Worker: every cluster registered, updated or deregistered → `source.refresh_now()`."""

    name = "cluster-events"

    def __init__(self, source: ClusterSource, settings: KafkaSettings) -> None:
        self._source = source
        self._settings = settings
        self.retry_s = 5.0

    async def run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                group_id=None,  # every replica needs every event: no group, no commits
                enable_auto_commit=False,
                auto_offset_reset="latest",
                request_timeout_ms=self._settings.kafka_request_timeout_ms,
            )
            try:
                await start_or_stop(consumer)
                try:
                    await self._follow(consumer)
                finally:
                    await consumer.stop()
            except KafkaError as exc:
                log.warning("cluster_events_unavailable", error=repr(exc)[:300])
            await asyncio.sleep(self.retry_s)

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        """Subscribe from the topic's end once it exists (subscribing to a missing topic would
        wait forever), then refresh on each cluster event."""
        if topics.CLUSTERS not in await consumer.topics():
            log.warning("cluster_events_topic_missing", topic=topics.CLUSTERS)
            return
        consumer.subscribe([topics.CLUSTERS])  # no group: every partition, from the end
        self._source.refresh_now()  # anything missed while not following
        async for record in consumer:
            if dict(record.headers or ()).get("ce_type") in self._source.refresh_on:
                self._source.refresh_now()
