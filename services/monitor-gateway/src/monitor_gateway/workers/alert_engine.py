"""The alert engine: pod informers in every cluster → rules → alerts fired and resolved.

Per cluster an Informer (flotilla_runtime.informer) watches the pods Flotilla manages
(`app.kubernetes.io/managed-by=flotilla`). Every pod event re-evaluates that pod at once; a
tick re-evaluates every pod for the time-based rules (not ready for long, restarts leaving the
window, isolation retention). An alert whose condition cleared is resolved once it has stayed
clear for `resolve_hold_s` (Prometheus' keep_firing_for: a crash-looping container is Running
for a moment between back-offs), at once when its pod is gone. Alerts are deduplicated (one
per pod and reason while it lasts, also enforced by a partial unique index), stored, and
published on `flotilla.alerts.v1` through the outbox in the same transaction.
One replica evaluates at a time (PostgreSQL advisory lock); a new leader loads the active
alerts before it writes. A cluster whose watch is down is left as it was (nothing resolved
because a watch broke).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from kubernetes_asyncio import client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts import ClusterConnection, labels
from flotilla_contracts.enums import AlertReason
from flotilla_contracts.events import AlertFiredV1, AlertResolvedV1
from flotilla_runtime.db import session_scope
from flotilla_runtime.informer import ClusterInformers, Informer, Obj
from flotilla_runtime.outbox import add_event
from flotilla_runtime.transient import outage
from monitor_gateway.alerts.repository import AlertRepository
from monitor_gateway.alerts.rules import Finding, Thresholds, evaluate
from monitor_gateway.models import Alert

log = structlog.get_logger(__name__)
SOURCE = "/flotilla/monitor-gateway"
SELECTOR = f"{labels.MANAGED_BY}={labels.MANAGED_BY_VALUE}"
Key = tuple[str, str, str, str]  # cluster, namespace, pod, reason


@dataclass
class PodState:
    pod: Obj
    restart_counts: dict[str, int] = field(default_factory=dict)
    restarts: list[float] = field(default_factory=list)


@dataclass
class ClusterPods:
    name: str
    pods: dict[str, PodState] = field(default_factory=dict)  # "ns/name"
    informer: Informer | None = None

    @property
    def stale(self) -> bool:
        return self.informer is None or self.informer.health.state != "watching"


class _Handler:
    def __init__(self, engine: AlertEngine, cluster: ClusterPods) -> None:
        self.engine = engine
        self.cluster = cluster

    async def replace(self, objects: list[Obj], resource_version: str) -> None:
        fresh = {_key(o): o for o in objects}
        gone = set(self.cluster.pods) - set(fresh)
        for key, pod in fresh.items():
            self.engine.observe(self.cluster, key, pod)
        for key in gone:
            self.cluster.pods.pop(key, None)
        self.engine.dirty |= {(self.cluster.name, k) for k in set(fresh) | gone}
        self.engine.wake.set()

    async def apply(self, event_type: str, obj: Obj) -> None:
        key = _key(obj)
        if event_type == "DELETED":
            self.cluster.pods.pop(key, None)
        else:
            self.engine.observe(self.cluster, key, obj)
        self.engine.dirty.add((self.cluster.name, key))
        self.engine.wake.set()


def _key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


class AlertEngine:
    name = "alert-engine"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        tick_s: float = 1.0,
        resolve_hold_s: float = 60.0,
        thresholds_refresh_s: float = 10.0,
        is_leader: Callable[[], bool] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._tick_s = tick_s
        self._resolve_hold_s = resolve_hold_s
        self._clear_since: dict[Key, float] = {}
        self._thresholds_refresh_s = thresholds_refresh_s
        self._is_leader = is_leader
        self.clusters: dict[str, ClusterPods] = {}
        self._informers = ClusterInformers(self._make_informer, forgotten=self._forget)
        self.active: dict[Key, uuid.UUID] = {}
        self.thresholds: dict[str, Thresholds] = {}
        self.dirty: set[tuple[str, str]] = set()
        self.wake = asyncio.Event()
        self._loaded = False
        self._thresholds_at = 0.0

    # --- clusters ---------------------------------------------------------------------------

    @property
    def connections(self) -> dict[str, ClusterConnection]:
        return self._informers.connections

    async def set_clusters(self, connections: list[ClusterConnection]) -> None:
        await self._informers.set(connections)

    def _make_informer(self, connection: ClusterConnection, api: client.ApiClient) -> Informer:
        cluster = self.clusters.setdefault(connection.cluster, ClusterPods(connection.cluster))
        cluster.informer = Informer(
            f"pods:{connection.cluster}",
            client.CoreV1Api(api).list_pod_for_all_namespaces,
            handler=_Handler(self, cluster),
            label_selector=SELECTOR,
            max_backoff_s=2.0,
        )
        return cluster.informer

    def _forget(self, name: str) -> None:
        """The cluster left: its pods' alerts end with it (then it is dropped)."""
        cluster = self.clusters.get(name)
        if cluster is not None:
            self.dirty |= {(name, k) for k in cluster.pods}
            cluster.pods.clear()
            cluster.informer = None
            self.wake.set()

    def observe(self, cluster: ClusterPods, key: str, pod: Obj) -> None:
        """Keep the pod and when its containers restarted (restartCount growing)."""
        state = cluster.pods.get(key)
        if state is None:
            state = cluster.pods[key] = PodState(pod)
        state.pod = pod
        now = time.time()
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            name, count = cs.get("name", ""), int(cs.get("restartCount") or 0)
            before = state.restart_counts.get(name)
            if before is not None and count > before:
                state.restarts += [now] * min(count - before, 100)
            state.restart_counts[name] = count
        state.restarts = state.restarts[-200:]

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            last_tick = 0.0
            while True:
                try:
                    async with asyncio.timeout(self._tick_s):
                        await self.wake.wait()
                except TimeoutError:
                    pass
                self.wake.clear()
                if self._is_leader is not None and not self._is_leader():
                    self._loaded = False
                    continue
                dirty: set[Any] = set()
                try:
                    if not self._loaded:
                        await self._load_active()
                    await self._refresh_thresholds()
                    now = time.monotonic()
                    if now - last_tick >= self._tick_s:
                        last_tick = now
                        self.dirty |= {
                            (c.name, k) for c in self.clusters.values() for k in c.pods
                        } | {(k[0], f"{k[1]}/{k[2]}") for k in self.active}
                    dirty, self.dirty = self.dirty, set()
                    await self._evaluate(dirty)
                except Exception as exc:
                    # The database is away: nothing is lost, the pods are judged again (and
                    # what is firing re-read) once it answers.
                    if (away := outage(exc)) is None:
                        raise
                    log.warning("alert_engine_waiting", dependency=away, error=repr(exc)[:200])
                    self.dirty |= dirty
                    self._loaded = False
                    continue
                for name in [n for n, c in self.clusters.items() if n not in self.connections]:
                    if not self.clusters[name].pods:
                        self.clusters.pop(name)
        finally:
            await self._informers.set([])

    async def _load_active(self) -> None:
        async with session_scope(self._sessionmaker) as session:
            rows = await AlertRepository(session).active()
            self.active = {(a.cluster, a.namespace, a.pod, a.reason): a.id for a in rows}
        self._loaded = True

    async def _refresh_thresholds(self) -> None:
        if time.monotonic() - self._thresholds_at < self._thresholds_refresh_s:
            return
        async with session_scope(self._sessionmaker) as session:
            rows = await AlertRepository(session).thresholds()
            self.thresholds = {
                t.app: Thresholds(
                    t.restarts, t.restarts_window_s, t.not_ready_s, t.isolated_retention_s
                )
                for t in rows
            }
        self._thresholds_at = time.monotonic()

    def thresholds_changed(self) -> None:
        self._thresholds_at = 0.0
        self.wake.set()

    async def _evaluate(self, dirty: set[tuple[str, str]]) -> None:
        now = time.time()
        fire: list[tuple[Key, Obj, Finding]] = []
        resolve: list[tuple[Key, str]] = []
        for cluster_name, pod_key in dirty:
            cluster = self.clusters.get(cluster_name)
            if cluster is None or (cluster.stale and cluster_name in self.connections):
                continue  # a broken watch resolves nothing
            namespace, _, pod_name = pod_key.partition("/")
            state = cluster.pods.get(pod_key)
            findings: dict[str, Finding] = {}
            if state is not None:
                app = ((state.pod.get("metadata") or {}).get("labels") or {}).get(labels.APP, "")
                rules = self.thresholds.get(app, Thresholds())
                findings = {
                    f.reason.value: f for f in evaluate(state.pod, now, rules, state.restarts)
                }
            for reason in AlertReason:
                key = (cluster_name, namespace, pod_name, reason.value)
                if reason.value in findings:
                    self._clear_since.pop(key, None)
                    if key not in self.active:
                        assert state is not None
                        fire.append((key, state.pod, findings[reason.value]))
                elif key in self.active:
                    if state is None:
                        resolve.append((key, "pod gone"))
                        continue
                    # Cleared: resolve once it stays clear for the hold (a crash-looping
                    # container is briefly Running between its back-offs).
                    since = self._clear_since.setdefault(key, now)
                    if now - since >= self._resolve_hold_s:
                        resolve.append((key, "cleared"))
        if fire or resolve:
            await self._write(fire, resolve)

    async def _write(
        self, fire: list[tuple[Key, Obj, Finding]], resolve: list[tuple[Key, str]]
    ) -> None:
        now = datetime.now(UTC)
        fired: dict[Key, uuid.UUID] = {}
        async with session_scope(self._sessionmaker) as session:
            for key, pod, finding in fire:
                meta = pod.get("metadata") or {}
                pod_labels = meta.get("labels") or {}
                alert = Alert(
                    id=uuid.uuid4(),
                    app=pod_labels.get(labels.APP, ""),
                    env=pod_labels.get(labels.ENV, ""),
                    cluster=key[0],
                    namespace=key[1],
                    pod=key[2],
                    container=finding.container,
                    reason=finding.reason.value,
                    severity=finding.severity.value,
                    message=finding.message[:2000],
                    fired_at=now,
                )
                session.add(alert)
                fired[key] = alert.id
                await add_event(
                    session,
                    AlertFiredV1(
                        alert_id=alert.id,
                        app=alert.app or "unknown",
                        env=alert.env or "unknown",
                        cluster=alert.cluster,
                        pod=alert.pod,
                        container=alert.container or None,
                        reason=finding.reason,
                        severity=finding.severity,
                        message=alert.message,
                        fired_at=now,
                    ),
                    source=SOURCE,
                    key=alert.app or key[0],
                    subject=alert.pod,
                )
            for key, why in resolve:
                alert_id = self.active[key]
                row = await AlertRepository(session).resolve(alert_id, now)
                if row is None:
                    continue
                await add_event(
                    session,
                    AlertResolvedV1(
                        alert_id=alert_id,
                        app=row or "unknown",
                        cluster=key[0],
                        pod=key[2],
                        reason=AlertReason(key[3]),
                        resolved_at=now,
                    ),
                    source=SOURCE,
                    key=row or key[0],
                    subject=key[2],
                )
                log.info("alert_resolved", cluster=key[0], pod=key[2], reason=key[3], why=why)
        self.active.update(fired)
        for key, _ in resolve:
            self.active.pop(key, None)
            self._clear_since.pop(key, None)
        for key, _, finding in fire:
            log.info(
                "alert_fired", cluster=key[0], pod=key[2], reason=key[3], message=finding.message
            )
