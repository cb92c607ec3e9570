"""The sync engine: EndpointSlices of every cluster → one HAProxy, continuously.

Per cluster an Informer (flotilla_runtime.informer) watches EndpointSlices of Flotilla-managed
Services (label `app.kubernetes.io/managed-by=flotilla`, copied from the Service by the
EndpointSlice controller). Changes mark their backends dirty; an applier wakes, waits at most
`window_s` so changes arriving together go out in one batch, reads each dirty backend back from
HAProxy, plans (k8s_sync.sync.plan) and applies. A periodic pass finishes drains, notices an
HAProxy restart (its Pid changed) and re-applies everything.

Safety: a cluster whose informer is not watching is stale — its servers are kept as they are;
a relist that finds no endpoints for a cluster that had some is applied only when a second
relist agrees.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from kubernetes_asyncio import client

from flotilla_contracts import ClusterConnection, labels
from flotilla_runtime.informer import ClusterInformers, Informer, Obj
from k8s_sync.ingress.haproxy import (
    HAProxyCommandError,
    HAProxyError,
    HAProxyRuntime,
    ServerState,
)
from k8s_sync.metrics import APPLIED, FAILED, PROPAGATION, SERVERS, SLICE_EVENTS
from k8s_sync.sync.desired import Endpoint, endpoints_of_slice
from k8s_sync.sync.plan import Plan, plan_backend

log = structlog.get_logger(__name__)
SELECTOR = f"{labels.MANAGED_BY}={labels.MANAGED_BY_VALUE}"


@dataclass
class ClusterView:
    name: str
    slices: dict[str, list[Endpoint]] = field(default_factory=dict)  # "ns/slice" → endpoints
    informer: Informer | None = None
    empty_relists: int = 0
    slice_versions: dict[str, str] = field(default_factory=dict)  # "ns/slice" → resourceVersion
    last_lag_s: float | None = None  # propagation latency of the latest applied change

    @property
    def stale(self) -> bool:
        return self.informer is None or self.informer.health.state != "watching"


class _Handler:
    """The informer's callbacks for one cluster."""

    def __init__(self, engine: IngressSync, view: ClusterView) -> None:
        self.engine = engine
        self.view = view

    async def replace(self, objects: list[Obj], resource_version: str) -> None:
        fresh = {_key(o): endpoints_of_slice(self.view.name, o) for o in objects}
        had = sum(len(v) for v in self.view.slices.values())
        if had and not any(fresh.values()):
            self.view.empty_relists += 1
            if self.view.empty_relists < 2:
                # One empty list is not proof: keep serving, and list once more to confirm.
                log.warning("empty_relist_unconfirmed", cluster=self.view.name, had=had)
                raise _ConfirmEmpty
        self.view.empty_relists = 0
        SLICE_EVENTS.labels(self.view.name).inc(max(1, len(objects)))
        touched = _backends(self.view.slices) | _backends(fresh)
        self.view.slices = fresh
        self.view.slice_versions = {
            _key(o): (o.get("metadata") or {}).get("resourceVersion", "") for o in objects
        }
        self.engine.mark(touched, allow_empty=True, cluster=self.view.name)

    async def apply(self, event_type: str, obj: Obj) -> None:
        SLICE_EVENTS.labels(self.view.name).inc()
        key = _key(obj)
        before = self.view.slices.get(key, [])
        after = [] if event_type == "DELETED" else endpoints_of_slice(self.view.name, obj)
        if after:
            self.view.slices[key] = after
            self.view.slice_versions[key] = (obj.get("metadata") or {}).get("resourceVersion", "")
        else:
            self.view.slices.pop(key, None)
            self.view.slice_versions.pop(key, None)
        self.engine.mark(
            {e.backend for e in before} | {e.backend for e in after}, cluster=self.view.name
        )


class _ConfirmEmpty(ConnectionError):
    """Raised from replace() so the informer backs off briefly and lists again."""


def _unapplied(plan: Plan, readback: list[ServerState]) -> list[str]:
    """What the batch meant to do that HAProxy does not show (empty: all of it took)."""
    state = {s.name: s.state for s in readback}
    wrong = [n for n in plan.added if state.get(n) != "ready"]
    wrong += [n for n in plan.drained if state.get(n) != "drain"]
    wrong += [n for n in plan.deleted if n in state and n not in plan.added]
    weight = {s.name: s.weight for s in readback}
    wrong += [n for n, w in plan.reweighted.items() if weight.get(n) != w]
    return wrong


def _key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _backends(slices: dict[str, list[Endpoint]]) -> set[str]:
    return {e.backend for endpoints in slices.values() for e in endpoints}


class IngressSync:
    """Worker: keeps `haproxy` in step with the EndpointSlices of the clusters it is given."""

    name = "ingress-sync"

    def __init__(
        self,
        haproxy: HAProxyRuntime,
        clusters: list[ClusterConnection] | None = None,
        *,
        window_s: float = 0.01,
        reconcile_s: float = 1.0,
        on_applied: Callable[[Plan], Any] | None = None,
        on_synced: Callable[[str, list[ServerState]], Awaitable[None]] | None = None,
        on_failed: Callable[[str, str], Awaitable[None]] | None = None,
        is_leader: Callable[[], bool] | None = None,
    ) -> None:
        self.haproxy = haproxy
        self.window_s = window_s
        self.reconcile_s = reconcile_s
        self.on_applied = on_applied
        self.on_synced = on_synced
        self.on_failed = on_failed
        self.is_leader = is_leader
        self.views: dict[str, ClusterView] = {}
        self._initial = list(clusters or [])
        self._informers = ClusterInformers(self._make_informer, forgotten=self._forget)
        self._dirty: set[str] = set()
        self._allow_empty: set[str] = set()
        self._wake = asyncio.Event()
        self._haproxy_pid: str | None = None
        self._was_leader = False
        self._seen: dict[str, dict[str, float]] = {}  # backend → cluster → first unapplied change
        self._retry_at: dict[str, float] = {}
        self._attempts: dict[str, int] = {}
        self.applied_batches = 0
        self.failures: dict[str, str] = {}

    def mark(
        self, backends: set[str], *, allow_empty: bool = False, cluster: str | None = None
    ) -> None:
        self._dirty |= backends
        if allow_empty:
            self._allow_empty |= backends
        if cluster is not None:
            now = time.monotonic()
            for backend in backends:
                self._seen.setdefault(backend, {}).setdefault(cluster, now)
        self._wake.set()

    async def run(self) -> None:
        try:
            await self.set_clusters(self._initial)
            await self._apply_loop()
        finally:
            await self.set_clusters([])
            await self.haproxy.close()

    @property
    def connections(self) -> dict[str, ClusterConnection]:
        return self._informers.connections

    async def set_clusters(self, connections: list[ClusterConnection]) -> None:
        """Start, restart or stop informers to match `connections`, without a restart of the
        service. A cluster that leaves takes its servers out of the ingress."""
        await self._informers.set(connections)

    def _make_informer(self, connection: ClusterConnection, api: client.ApiClient) -> Informer:
        view = self.views.setdefault(connection.cluster, ClusterView(connection.cluster))
        view.informer = Informer(
            f"slices:{connection.cluster}",
            client.DiscoveryV1Api(api).list_endpoint_slice_for_all_namespaces,
            handler=_Handler(self, view),
            label_selector=SELECTOR,
            max_backoff_s=2.0,
        )
        return view.informer

    def _forget(self, name: str) -> None:
        view = self.views.pop(name, None)
        if view is not None:
            self.mark(_backends(view.slices), allow_empty=True)

    def desired(self, backend: str) -> list[Endpoint]:
        return [
            e
            for view in self.views.values()
            for endpoints in view.slices.values()
            for e in endpoints
            if e.backend == backend
        ]

    def backends(self) -> set[str]:
        return {b for view in self.views.values() for b in _backends(view.slices)}

    async def _apply_loop(self) -> None:
        last_reconcile = 0.0
        while True:
            try:
                async with asyncio.timeout(self._next_wait(last_reconcile)):
                    await self._wake.wait()
                # Let changes that arrive together leave together, never later than the window.
                await asyncio.sleep(self.window_s)
            except TimeoutError:
                pass
            self._wake.clear()
            if self.is_leader is not None:
                if not self.is_leader():
                    self._was_leader = False
                    continue  # followers watch and plan nothing: one writer at a time
                if not self._was_leader:
                    # A new leader reads every backend back and reconciles before it writes.
                    self._was_leader = True
                    self._dirty |= self.backends()
            now = time.monotonic()
            if now - last_reconcile >= self.reconcile_s:
                last_reconcile = now
                await self._check_restart()
                self._dirty |= self.backends()
            dirty, self._dirty = self._dirty, set()
            allow, self._allow_empty = self._allow_empty, set()
            now = time.monotonic()
            for backend in sorted(dirty):
                if self._retry_at.get(backend, 0.0) > now:
                    self._dirty.add(backend)  # backing off after a failure
                    if backend in allow:
                        self._allow_empty.add(backend)
                    continue
                await self._apply(backend, allow_empty=backend in allow)

    def _next_wait(self, last_reconcile: float) -> float:
        """Sleep until the next reconcile pass or the earliest retry, whichever is first."""
        now = time.monotonic()
        until = last_reconcile + self.reconcile_s
        retries = [t for b, t in self._retry_at.items() if b in self._dirty]
        if retries:
            until = min(until, min(retries))
        return max(0.0, until - now)

    async def _check_restart(self) -> None:
        try:
            pid = (await self.haproxy.info()).get("Pid")
        except HAProxyError as exc:
            log.warning("haproxy_unreachable", error=str(exc))
            return
        if self._haproxy_pid is not None and pid != self._haproxy_pid:
            log.warning("haproxy_restarted", previous=self._haproxy_pid, pid=pid)
            self._dirty |= self.backends()
        self._haproxy_pid = pid

    async def _apply(self, backend: str, *, allow_empty: bool) -> None:
        stale = frozenset(name for name, view in self.views.items() if view.stale)
        try:
            actual = await self.haproxy.servers(backend)
            draining = any(s.state == "drain" for s in actual)
            sessions = await self.haproxy.connections(backend) if draining else {}
            plan = plan_backend(
                backend,
                self.desired(backend),
                actual,
                sessions=sessions,
                stale_clusters=stale,
                allow_empty=allow_empty,
            )
            if plan.refused:
                log.warning("sync_refused", backend=backend, reason=plan.refused)
                return
            if plan.empty:
                self._succeeded(backend, actual)
                return
            await self.haproxy.run(plan.commands)
            readback = await self.haproxy.servers(backend)
            if unapplied := _unapplied(plan, readback):
                raise HAProxyError(f"read back differs from the batch applied: {unapplied}")
            self.applied_batches += 1
            APPLIED.labels(backend).inc()
            self._succeeded(backend, readback)
            if plan.drained:
                self._dirty.add(backend)  # come back to delete once sessions are gone
            if self.on_applied is not None:
                self.on_applied(plan)
            if self.on_synced is not None:
                await self.on_synced(backend, readback)
        except HAProxyError as exc:
            self._failed(backend, exc)
            first = backend not in self.failures
            self.failures[backend] = str(exc)
            if first and self.on_failed is not None:
                await self.on_failed(backend, str(exc))

    def _succeeded(self, backend: str, readback: list[ServerState]) -> None:
        """The backend is applied and read back: record how long its changes took."""
        self.failures.pop(backend, None)
        self._retry_at.pop(backend, None)
        self._attempts.pop(backend, None)
        now = time.monotonic()
        for cluster, seen in self._seen.pop(backend, {}).items():
            PROPAGATION.labels(cluster).observe(now - seen)
            if (view := self.views.get(cluster)) is not None:
                view.last_lag_s = now - seen
        for state in ("ready", "drain", "maint"):
            SERVERS.labels(backend, state).set(sum(1 for s in readback if s.state == state))

    def _failed(self, backend: str, exc: HAProxyError) -> None:
        """Retry with exponential backoff (0.2 s doubling to 10 s); count it per cluster."""
        attempts = self._attempts[backend] = self._attempts.get(backend, 0) + 1
        self._retry_at[backend] = time.monotonic() + min(10.0, 0.2 * 2 ** (attempts - 1))
        self._dirty.add(backend)
        clusters = {e.cluster for e in self.desired(backend)} or {"unknown"}
        if isinstance(exc, HAProxyCommandError):
            named = {c for c in clusters if f"/{c}." in exc.command}
            clusters = named or clusters
        for cluster in clusters:
            FAILED.labels(cluster).inc()
        log.warning("sync_failed", backend=backend, attempts=attempts, error=str(exc))
