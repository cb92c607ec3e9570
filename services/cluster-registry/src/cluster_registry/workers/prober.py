"""Health prober: every interval, `/version` and the node list of every cluster, concurrently.

Status: `ready` (answers, every node Ready), `degraded` (answers, some node not Ready or none),
`unreachable` (no answer within the timeout, or credentials rejected). A change of status is a
`ClusterStatusChangedV1` event; nodes that appear or disappear are `NodeChangedV1` events.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cluster_registry.clusters import service as clusters
from cluster_registry.clusters.repository import ClusterRepository
from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.kubeops import Probe, probe
from cluster_registry.models import Cluster
from flotilla_contracts.enums import ClusterStatus
from flotilla_contracts.events import ClusterStatusChangedV1
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.db import session_scope
from flotilla_runtime.errors import FlotillaError
from flotilla_runtime.outbox import add_event

log = structlog.get_logger(__name__)
CREDENTIALS = Gauge(
    "flotilla_registry_credentials",
    "Clusters whose credentials each key sealed (an old key can go once it has none).",
    ["key_id"],
)


@dataclass
class Outcome:
    cluster_id: object
    result: Probe | None
    error: str | None


class ClusterProber:
    name = "cluster-prober"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cipher: CredentialCipher,
        targets: TargetPolicy,
        *,
        interval_s: float,
        timeout_s: float,
        concurrency: int,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cipher = cipher
        self._targets = targets
        self.interval_s = interval_s
        self._timeout_s = timeout_s
        self._semaphore = asyncio.Semaphore(concurrency)
        self.last_round_s = 0.0

    async def run(self) -> None:
        while True:
            start = time.monotonic()
            try:
                await self.probe_round()
            except Exception as exc:  # the database may be down: try again next round
                log.warning("probe_round_failed", error=repr(exc))
            self.last_round_s = time.monotonic() - start
            await asyncio.sleep(max(0.0, self.interval_s - self.last_round_s))

    async def probe_round(self) -> int:
        async with self._sessionmaker() as session:
            rows = list(await ClusterRepository(session).all())
        per_key = Counter(c.credentials_key_id for c in rows)
        CREDENTIALS.clear()
        for key_id, count in per_key.items():
            CREDENTIALS.labels(key_id).set(count)
        outcomes = await asyncio.gather(*(self._probe_one(c) for c in rows))
        async with session_scope(self._sessionmaker) as session:
            for cluster, outcome in zip(rows, outcomes, strict=True):
                await self._record(session, cluster.id, outcome)
        return len(rows)

    async def _probe_one(self, cluster: Cluster) -> Outcome:
        async with self._semaphore:
            try:
                connection = clusters.unseal(self._cipher, cluster)
                return Outcome(
                    cluster.id,
                    await probe(connection, timeout_s=self._timeout_s, targets=self._targets),
                    None,
                )
            except FlotillaError as exc:
                return Outcome(cluster.id, None, exc.detail)
            except Exception as exc:  # a probe must never stop the round
                return Outcome(cluster.id, None, f"{type(exc).__name__}: {exc}"[:300])

    async def _record(self, session: AsyncSession, cluster_id: object, outcome: Outcome) -> None:
        cluster = await session.get(Cluster, cluster_id, with_for_update=True)
        if cluster is None:  # deregistered during the round
            return
        previous = ClusterStatus(cluster.status)
        now = datetime.now(UTC)
        if outcome.result is None:
            status, reason = ClusterStatus.UNREACHABLE, outcome.error
        else:
            status, reason = clusters.status_of(outcome.result)
            cluster.last_seen_at = now
            cluster.latency_ms = round(outcome.result.latency_ms, 2)
            cluster.kubernetes_version = outcome.result.version
            cluster.node_count = len(outcome.result.nodes)
            await self._nodes(session, cluster, {n.name for n in outcome.result.nodes})
        cluster.status, cluster.status_reason = status.value, reason
        await session.flush()
        if status is not previous:
            log.info(
                "cluster_status_changed",
                cluster=cluster.name,
                status=status.value,
                previous=previous.value,
            )
            await add_event(
                session,
                ClusterStatusChangedV1(
                    cluster=cluster.name,
                    status=status,
                    previous_status=previous,
                    reason=reason,
                    observed_at=now,
                ),
                source=clusters.SOURCE,
                key=cluster.name,
                subject=cluster.name,
            )

    async def _nodes(self, session: AsyncSession, cluster: Cluster, seen: set[str]) -> None:
        repo = ClusterRepository(session)
        known = await repo.known_nodes(cluster.id)
        joined, left = seen - known, known - seen
        if not (joined or left):
            return
        await repo.remember_nodes(cluster.id, joined, left)
        for node in sorted(joined):
            await clusters.node_event(session, cluster.name, node, "joined")
        for node in sorted(left):
            await clusters.node_event(session, cluster.name, node, "left")
