"""The sync engine: every cluster's Services and EndpointSlices → the desired ingress, kept by
one `IngressInstance` per HAProxy.

Per cluster two informers (flotilla_runtime.informer) watch the Services and the EndpointSlices
of Flotilla-managed Services (label `app.kubernetes.io/managed-by=flotilla`, which Kubernetes
copies from a Service onto its slices). Services give the route table (k8s_sync.sync.routes):
which backends exist and by which hostnames they are reached. Slices give the endpoints each
backend should serve (k8s_sync.sync.desired). Every change marks its backends dirty in every
instance; each instance applies on its own (k8s_sync.ingress.instance), so one HAProxy that is
down or reloading never slows the others.

Whose endpoints: only an EndpointSlice of a Flotilla Service — its `kubernetes.io/service-name`
names a Service of the same namespace carrying Flotilla's labels for the same (app, env) — in
the namespace cluster-registry maps that environment to on that cluster (`set_placements`, from
the registry's environments). Anyone who may create a Service elsewhere in a registered cluster
cannot add pods to an app's backend by copying its labels. Without a registry (tests,
benchmarks) `placements` is None and every namespace counts.

Safety: a cluster whose informer is not watching is stale — its endpoints are kept as they are
in every instance; a relist that finds no endpoints for a cluster that had some is applied only
when a second relist agrees; a cluster that has never been listed since this process started
keeps every slot nobody can place (see IngressInstance).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog
from kubernetes_asyncio import client

from flotilla_contracts import ClusterConnection, labels
from flotilla_runtime.informer import ClusterInformers, Informer, Obj
from flotilla_runtime.registry import RegisteredEnvironment
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.metrics import ROUTE_ERRORS, SLICE_EVENTS
from k8s_sync.sync.desired import Endpoint, endpoints_of_slice
from k8s_sync.sync.routes import (
    GRAY_SUFFIX,
    DomainTemplates,
    RouteTable,
    ServiceRoute,
    build_routes,
    route_of_service,
)

log = structlog.get_logger(__name__)
SELECTOR = f"{labels.MANAGED_BY}={labels.MANAGED_BY_VALUE}"


@dataclass
class ClusterView:
    name: str
    slices: dict[str, list[Endpoint]] = field(default_factory=dict)  # "ns/slice" → endpoints
    services: dict[str, ServiceRoute] = field(default_factory=dict)  # "ns/service" → route
    informer: Informer | None = None
    service_informer: Informer | None = None
    empty_relists: int = 0
    empty_service_relists: int = 0
    slice_versions: dict[str, str] = field(default_factory=dict)  # "ns/slice" → resourceVersion
    last_lag_s: float | None = None  # propagation latency of the latest applied change
    # backend → its slices' keys: `desired(backend)` reads a few slices, not every endpoint.
    by_backend: dict[str, set[str]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # "ns/slice" → "ns/service"

    def put_slice(self, key: str, endpoints: list[Endpoint], version: str, owner: str = "") -> None:
        self.drop_slice(key)
        if endpoints:
            self.slices[key] = endpoints
            self.slice_versions[key] = version
            self.owners[key] = owner
            for backend in {e.backend for e in endpoints}:
                self.by_backend.setdefault(backend, set()).add(key)

    def drop_slice(self, key: str) -> None:
        for backend in {e.backend for e in self.slices.pop(key, [])}:
            keys = self.by_backend.get(backend)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.by_backend[backend]
        self.slice_versions.pop(key, None)
        self.owners.pop(key, None)

    def endpoints_of(
        self, backend: str, placements: dict[tuple[str, str], str] | None = None
    ) -> list[Endpoint]:
        """`backend`'s endpoints from the slices of its own Services (in the mapped namespace
        when `placements` is known)."""
        return [
            e
            for key in self.by_backend.get(backend, ())
            if self.owned(key)
            for e in self.slices[key]
            if e.backend == backend and placed(placements, e.cluster, e.env, e.namespace)
        ]

    def owned(self, key: str) -> bool:
        """The slice belongs to a Flotilla Service of its (app, env) in its namespace."""
        endpoints = self.slices.get(key)
        route = self.services.get(self.owners.get(key, ""))
        return bool(
            endpoints and route and (route.app, route.env) == (endpoints[0].app, endpoints[0].env)
        )

    @property
    def stale(self) -> bool:
        return self.informer is None or self.informer.health.state != "watching"

    @property
    def listed(self) -> bool:
        """Both informers completed a list since this process started."""
        return all(
            i is not None and i.health.relists > 0 for i in (self.informer, self.service_informer)
        )


class _SliceHandler:
    """The EndpointSlice informer's callbacks for one cluster."""

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
        before = set(self.view.by_backend)
        for key in list(self.view.slices):
            self.view.drop_slice(key)
        for o in objects:
            key = _key(o)
            version = (o.get("metadata") or {}).get("resourceVersion", "")
            self.view.put_slice(key, fresh[key], version, _owner(o))
        if set(self.view.by_backend) != before:
            self.engine.routes_changed()
        self.engine.mark(touched, allow_empty=True, cluster=self.view.name)

    async def apply(self, event_type: str, obj: Obj) -> None:
        SLICE_EVENTS.labels(self.view.name).inc()
        key = _key(obj)
        before = self.view.slices.get(key, [])
        after = [] if event_type == "DELETED" else endpoints_of_slice(self.view.name, obj)
        backends = len(self.view.by_backend)
        self.view.put_slice(
            key, after, (obj.get("metadata") or {}).get("resourceVersion", ""), _owner(obj)
        )
        if len(self.view.by_backend) != backends:
            self.engine.routes_changed()  # a backend only its slices name came or went
        self.engine.mark(
            {e.backend for e in before} | {e.backend for e in after}, cluster=self.view.name
        )


class _ServiceHandler:
    """The Service informer's callbacks for one cluster: the cluster's part of the routes."""

    def __init__(self, engine: IngressSync, view: ClusterView) -> None:
        self.engine = engine
        self.view = view

    async def replace(self, objects: list[Obj], resource_version: str) -> None:
        fresh = {_key(o): r for o in objects if (r := route_of_service(o)) is not None}
        if self.view.services and not fresh:
            # As for slices: a list that suddenly has no Services must be confirmed.
            self.view.empty_service_relists += 1
            if self.view.empty_service_relists < 2:
                log.warning("empty_service_relist_unconfirmed", cluster=self.view.name)
                raise _ConfirmEmpty
        self.view.empty_service_relists = 0
        changed = {
            r.backend
            for k in self.view.services.keys() | fresh.keys()
            if self.view.services.get(k) != fresh.get(k)
            for r in (self.view.services.get(k), fresh.get(k))
            if r is not None
        }
        self.view.services = fresh
        self.engine.routes_changed()
        self.engine.mark(changed)  # slices whose owner came or went

    async def apply(self, event_type: str, obj: Obj) -> None:
        key = _key(obj)
        route = None if event_type == "DELETED" else route_of_service(obj)
        if self.view.services.get(key) == route:
            return
        before = self.view.services.pop(key, None)
        if route is not None:
            self.view.services[key] = route
        self.engine.routes_changed()
        self.engine.mark({r.backend for r in (before, route) if r is not None})


class _ConfirmEmpty(ConnectionError):
    """Raised from replace() so the informer backs off briefly and lists again."""


def _key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def placed(
    placements: dict[tuple[str, str], str] | None, cluster: str, env: str, namespace: str
) -> bool:
    """`namespace` is where (cluster, env) is served from (None: no registry, any namespace)."""
    return placements is None or placements.get((cluster, env)) == namespace


def _owner(endpoint_slice: Obj) -> str:
    """ "ns/service" of the Service a slice belongs to (Kubernetes' service-name label)."""
    meta = endpoint_slice.get("metadata") or {}
    service = (meta.get("labels") or {}).get(labels.SERVICE_NAME, "")
    return f"{meta.get('namespace', '')}/{service}" if service else ""


def _backends(slices: dict[str, list[Endpoint]]) -> set[str]:
    return {e.backend for endpoints in slices.values() for e in endpoints}


class IngressSync:
    """Worker: watches the clusters it is given and drives every ingress instance."""

    name = "ingress-sync"

    def __init__(
        self,
        instances: Sequence[IngressInstance] = (),
        clusters: list[ClusterConnection] | None = None,
        *,
        templates: DomainTemplates | None = None,
        placements: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.instances = list(instances)
        # (cluster, env) → the namespace cluster-registry maps it to; None: any namespace
        self.placements = placements
        # Inputs read since this process started (`routes_complete`): given at construction
        # (tests, benchmarks) or, from the registry, once it answered.
        self._clusters_read = clusters is not None
        self._placements_read = placements is None
        self._empty_placements = 0
        self.templates = templates or DomainTemplates({"*": "{app}.{env}.apps.localhost"})
        self.views: dict[str, ClusterView] = {}
        self._initial = list(clusters or [])
        self._informers = ClusterInformers(self._make_informers, forgotten=self._forget)
        self._routes: RouteTable | None = None
        for instance in self.instances:
            instance.desired = self

    # --- clusters ---------------------------------------------------------------------------

    @property
    def connections(self) -> dict[str, ClusterConnection]:
        return self._informers.connections

    async def set_clusters(self, connections: list[ClusterConnection]) -> None:
        """Start, restart or stop informers to match `connections`, without a restart of the
        service. A cluster that leaves takes its servers and routes out of the ingress."""
        await self._informers.set(connections)
        self._clusters_read = True

    def _make_informers(
        self, connection: ClusterConnection, api: client.ApiClient
    ) -> list[Informer]:
        view = self.views.setdefault(connection.cluster, ClusterView(connection.cluster))
        view.informer, view.service_informer = (
            Informer(
                f"{what}:{connection.cluster}",
                list_function,
                handler=handler,
                label_selector=SELECTOR,
                max_backoff_s=2.0,
            )
            for what, list_function, handler in (
                (
                    "slices",
                    client.DiscoveryV1Api(api).list_endpoint_slice_for_all_namespaces,
                    _SliceHandler(self, view),
                ),
                (
                    "services",
                    client.CoreV1Api(api).list_service_for_all_namespaces,
                    _ServiceHandler(self, view),
                ),
            )
        )
        return [view.informer, view.service_informer]

    async def set_placements(self, environments: list[RegisteredEnvironment]) -> None:
        """The registry's environments: which namespace of which cluster each env is served
        from. A list that suddenly maps nothing (a wrong database, a bad deploy) takes effect
        only when a second read agrees, like an empty relist."""
        placements = {(p.cluster, e.name): p.namespace for e in environments for p in e.clusters}
        if not self._placements_read:
            self._placements_read = True
            self.routes_changed()
        if not placements and self.placements:
            self._empty_placements += 1
            if self._empty_placements < 2:
                log.warning("empty_placements_unconfirmed", had=len(self.placements))
                return
        self._empty_placements = 0
        if placements == self.placements:
            return
        self.placements = placements
        self.routes_changed()
        self.mark(self.endpoint_backends(), allow_empty=True)

    def _forget(self, name: str) -> None:
        view = self.views.pop(name, None)
        if view is not None:
            self.mark(_backends(view.slices), allow_empty=True)
            self.routes_changed()

    # --- what every instance reads ----------------------------------------------------------

    def mark(
        self, backends: set[str], *, allow_empty: bool = False, cluster: str | None = None
    ) -> None:
        """Backends whose endpoints changed: every instance re-plans them (and their twins)."""
        twins = {b + GRAY_SUFFIX for b in backends}
        seen = time.monotonic()
        for instance in self.instances:
            instance.mark(backends | twins, allow_empty=allow_empty, cluster=cluster, seen=seen)

    def routes_changed(self) -> None:
        self._routes = None
        for instance in self.instances:
            instance.routes_changed()

    @property
    def routes(self) -> RouteTable:
        """The route table, rebuilt after a Service changed (a hostname keeps its owner)."""
        if self._routes is None:
            previous = {}
            for instance in self.instances:
                previous.update(instance.routed_hosts)
            self._routes = build_routes(
                (
                    r
                    for view in self.views.values()
                    for r in self._route_sources(view, self.placements)
                ),
                self.templates,
                owners=previous,
            )
            ROUTE_ERRORS.set(len(self._routes.errors))
        return self._routes

    @staticmethod
    def _route_sources(
        view: ClusterView, placements: dict[tuple[str, str], str] | None
    ) -> list[ServiceRoute]:
        """A view's Services in the namespaces their environment is mapped to. (A slice seen
        before its Service adds no route: its endpoints count only once the Service is seen.)"""
        return [
            route
            for key, route in view.services.items()
            if placed(placements, view.name, route.env, key.split("/", 1)[0])
        ]

    def desired(self, backend: str) -> list[Endpoint]:
        """Every endpoint of every cluster view for `backend` (a gray twin: the gray ones)."""
        if backend.endswith(GRAY_SUFFIX):
            main = backend.removesuffix(GRAY_SUFFIX)
            return [
                e.with_weight(labels.DEFAULT_WEIGHT)
                for e in self.desired(main)
                if e.stage == "gray"
            ]
        return [
            e for view in self.views.values() for e in view.endpoints_of(backend, self.placements)
        ]

    def endpoint_backends(self) -> set[str]:
        return {b for view in self.views.values() for b in view.by_backend}

    def stale_clusters(self) -> frozenset[str]:
        return frozenset(name for name, view in self.views.items() if view.stale)

    def unlisted_clusters(self) -> frozenset[str]:
        return frozenset(name for name, view in self.views.items() if not view.listed)

    @property
    def routes_complete(self) -> bool:
        return (
            self._clusters_read
            and self._placements_read
            and all(view.listed for view in self.views.values())
        )

    def record_lag(self, cluster: str, lag_s: float) -> None:
        if (view := self.views.get(cluster)) is not None:
            view.last_lag_s = lag_s

    # --- the worker -------------------------------------------------------------------------

    async def run(self) -> None:
        """Informers run as tasks of their own; instances run under the supervisor."""
        try:
            if self._clusters_read:  # given at construction: the registry gives them otherwise
                await self.set_clusters(self._initial)
            await asyncio.Event().wait()
        finally:
            await self.set_clusters([])
