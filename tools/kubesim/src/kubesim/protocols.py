"""What a simulated cluster offers the pieces that act on it.

The controllers, the REST API, the admin API, the pod listeners, the log shipper and the
metrics are given a cluster and use only this: they depend on the Protocol, not on
`kubesim.cluster.Cluster`, which builds them — so nothing imports back the module that imports
it.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from kubesim.config import NodeShape
from kubesim.knobs import Knobs
from kubesim.resources import ResourceType
from kubesim.store import Obj, Store


class SimCluster(Protocol):
    name: str
    token: str
    store: Store
    knobs: Knobs
    pod_faults: dict[tuple[str, str], str]

    # --- writes every path goes through (as the API server does them) ---------------------
    def create(self, rt: ResourceType, obj: Obj) -> Obj: ...

    def delete(
        self, rt: ResourceType, namespace: str | None, name: str, options: dict[str, Any]
    ) -> Obj: ...

    def evict(self, namespace: str, name: str, body: Any) -> Obj: ...

    def require_namespace(self, namespace: str) -> None: ...

    def record_event(
        self, obj: Obj, reason: str, message: str, *, type_: str = "Normal"
    ) -> None: ...

    # --- pods' life on a node -------------------------------------------------------------
    def pod_ip(self, pod: Obj) -> str: ...

    def release_pod(self, pod: Obj) -> None: ...

    def allocate_cluster_ip(self) -> str: ...

    def fault_for(self, pod: Obj) -> str | None: ...

    def pod_started(self, pod: Obj) -> None: ...

    def pod_stopping(self, pod: Obj, *, pre_stop_s: float) -> None: ...

    def kick_pods(self, keys: list[tuple[str, str]] | None = None) -> None:
        """Have the kubelet look at these pods again now (all of them when None)."""
        ...

    # --- what the API answers -------------------------------------------------------------
    def version_info(self) -> Obj: ...

    def metrics_text(self) -> str: ...

    def pod_log_lines(self, namespace: str, name: str) -> list[str]: ...

    def describe(self) -> Obj: ...

    # --- the admin API's levers -----------------------------------------------------------
    async def admin(self, request: web.Request) -> web.Response: ...

    def add_node(
        self, name: str, *, labels: dict[str, str] | None = None, shape: NodeShape | None = None
    ) -> Obj: ...

    def set_node_ready(self, name: str, ready: bool) -> Obj: ...

    async def start_outage(
        self, mode: str, seconds: float, then: tuple[str, float] | None = None
    ) -> None: ...
