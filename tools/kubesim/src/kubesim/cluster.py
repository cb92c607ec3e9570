"""One simulated cluster: its store, controllers, API server, knobs and admin API.

`Cluster` builds and owns the pieces; they see it only as `kubesim.protocols.SimCluster`.
"""

from __future__ import annotations

import asyncio
import collections
import json
import secrets
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from kubesim import admin, kubeconfig
from kubesim.addresses import AddressPool
from kubesim.api import ClusterAPI
from kubesim.config import ClusterConfig, NodeShape
from kubesim.controllers.base import Controller
from kubesim.controllers.deployment import DeploymentController
from kubesim.controllers.disruption import DisruptionController, budget_numbers, pods_of
from kubesim.controllers.endpoints import EndpointsController
from kubesim.controllers.kubelet import Kubelet
from kubesim.controllers.podspec import PREFIX, missing_hook_program
from kubesim.controllers.replicaset import ReplicaSetController
from kubesim.knobs import OUTAGE_MODES, Knobs
from kubesim.kubeconfig import KUBERNETES_VERSION
from kubesim.listeners import PodListeners
from kubesim.logship import LogShipper
from kubesim.objects import is_terminating
from kubesim.resources import RESOURCES, ResourceType, resource
from kubesim.selectors import labels_match, selector_from_match
from kubesim.store import ApiError, Obj, Store, not_found, now_iso, random_suffix
from kubesim.tls import Certificates, generate

POD = resource("Pod")
NODE = resource("Node")
NAMESPACE = resource("Namespace")
EVENT = resource("Event")
PDB = resource("PodDisruptionBudget")
MAX_EVENTS = 2000
MAX_LOG_LINES = 1000


class Cluster:
    def __init__(self, config: ClusterConfig, *, certificates: Certificates | None = None) -> None:
        self.config = config
        self.certificates = certificates or generate()
        self.name = config.name
        self.token = config.token or secrets.token_urlsafe(24)
        self.store = Store()
        self.knobs = Knobs.of(config)
        self.api = ClusterAPI(self)
        self.port = config.port
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.addresses = AddressPool(config.index)
        self._event_names: collections.deque[tuple[str, str]] = collections.deque()
        self.pod_logs: dict[tuple[str, str], collections.deque[str]] = {}
        self.pod_faults: dict[tuple[str, str], str] = {}
        self.hooks: list[Callable[[str, Obj], None]] = []  # started, sigterm, gone
        self.listeners = PodListeners(self) if config.pod_listeners else None
        if self.listeners is not None:
            self.hooks.append(self.listeners.hook)
        self.shipper = (
            LogShipper(self, bootstrap=config.kafka_bootstrap, topic=config.log_topic)
            if config.kafka_bootstrap
            else None
        )
        self._log_ticks = 0
        self.controllers: list[Controller] = [
            Kubelet(self),
            ReplicaSetController(self),
            DeploymentController(self),
            EndpointsController(self),
            DisruptionController(self),
        ]
        for controller in self.controllers:
            self.store.subscribe(controller.on_event)
        self._bootstrap()

    # --- life -------------------------------------------------------------------------------

    def _bootstrap(self) -> None:
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.create(NAMESPACE, {"metadata": {"name": ns}})
        for i in range(1, self.config.nodes + 1):
            self.add_node(f"{self.name}-node-{i}")

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(c.run(), name=f"kubesim:{self.name}:{c.name}")
            for c in self.controllers
        ]
        if self.shipper is not None:
            self._tasks.append(loop.create_task(self.shipper.run(), name="kubesim:logship"))
        if self.config.log_interval_s > 0:
            self._tasks.append(loop.create_task(self._app_logs(), name="kubesim:applogs"))
        self._runner = web.AppRunner(self.api.build(), access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(
            self._runner,
            "127.0.0.1",
            self.port,
            reuse_address=True,
            ssl_context=self.certificates.server_context(),
        )
        await self._site.start()
        server: Any = self._site._server
        self.port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.store.close_watches()
        if self.listeners is not None:
            self.listeners.close()
        for controller in self.controllers:
            controller.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def version_info(self) -> Obj:
        return kubeconfig.version_info()

    def kubeconfig(self) -> Obj:
        return kubeconfig.kubeconfig(
            self.name, url=self.url, ca_data=self.certificates.ca_data, token=self.token
        )

    def write_kubeconfig(self, directory: Path) -> Path:
        return kubeconfig.write(directory, self.name, self.kubeconfig())

    # --- writes every path goes through ----------------------------------------------------

    def create(self, rt: ResourceType, obj: Obj) -> Obj:
        from kubesim.objects import apply_defaults, validate

        if rt.namespaced:
            self.require_namespace(obj["metadata"].get("namespace", ""))
        apply_defaults(
            rt, obj, cluster_ip=self.allocate_cluster_ip() if rt.kind == "Service" else None
        )
        validate(rt, obj)
        return self.store.create(rt, obj)

    def require_namespace(self, namespace: str) -> None:
        ns = self.store.get(NAMESPACE, None, namespace)
        if ns is None:
            raise not_found(NAMESPACE, namespace)
        if is_terminating(ns):
            raise ApiError(
                403,
                "Forbidden",
                f"unable to create new content in namespace "
                f"{namespace} because it is being terminated",
            )

    def delete(
        self, rt: ResourceType, namespace: str | None, name: str, options: dict[str, Any]
    ) -> Obj:
        """Delete as the API server does: pods gracefully, dependents by garbage collection."""
        obj = self.store.must_get(rt, namespace, name)
        if rt is POD:
            grace = options.get("gracePeriodSeconds")
            if grace is None:
                grace = (obj.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
            scheduled = bool((obj.get("spec") or {}).get("nodeName"))
            if int(grace) <= 0 or not scheduled:
                return self.store.remove(rt, namespace, name)
            if is_terminating(obj):
                return obj

            return self.store.mark_terminating(rt, namespace, name, int(grace))
        if rt is NAMESPACE:
            for other in RESOURCES:
                if other.namespaced:
                    for child in list(self.store.list(other, name)):
                        if self.store.get(other, name, child["metadata"]["name"]) is not None:
                            self.delete(
                                other, name, child["metadata"]["name"], {"gracePeriodSeconds": 0}
                            )
        final = self.store.remove(rt, namespace, name)
        if options.get("propagationPolicy") != "Orphan":
            self._collect_garbage(final)
        return final

    def _collect_garbage(self, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        ns = owner["metadata"].get("namespace")
        for rt in RESOURCES:
            if not rt.namespaced or ns is None:
                continue
            for obj in list(self.store.list(rt, ns)):
                refs = obj["metadata"].get("ownerReferences") or []
                if (
                    any(r.get("uid") == uid for r in refs)
                    and self.store.get(rt, ns, obj["metadata"]["name"]) is not None
                ):
                    self.delete(rt, ns, obj["metadata"]["name"], {})

    def evict(self, namespace: str, name: str, body: Any) -> Obj:
        pod = self.store.must_get(POD, namespace, name)
        for pdb in self.store.list(PDB, namespace):
            selector = selector_from_match((pdb.get("spec") or {}).get("selector"))
            if not labels_match(selector, pod["metadata"].get("labels")):
                continue
            numbers = budget_numbers(pdb, pods_of(self.store, pdb))
            if numbers["disruptionsAllowed"] <= 0:
                raise ApiError(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    {
                        "causes": [
                            {
                                "reason": "DisruptionBudget",
                                "message": f"The disruption budget {pdb['metadata']['name']} "
                                f"needs {numbers['desiredHealthy']} healthy pods "
                                f"and has {numbers['currentHealthy']} currently",
                            }
                        ]
                    },
                )
        options = (body or {}).get("deleteOptions") or {}
        self.delete(POD, namespace, name, options)
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }

    # --- nodes, IPs, events, logs ----------------------------------------------------------

    def add_node(
        self, name: str, *, labels: dict[str, str] | None = None, shape: NodeShape | None = None
    ) -> Obj:
        shape = shape or self.config.node_shape
        number = self.store.count(NODE) + 1
        node_id = uuid.uuid5(uuid.NAMESPACE_DNS, f"{self.name}.{name}").hex
        capacity = {
            "cpu": shape.cpu,
            "memory": shape.memory,
            "pods": str(shape.pods),
            "ephemeral-storage": "100Gi",
        }
        node = {
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node-role.kubernetes.io/worker": "",
                    "topology.kubernetes.io/zone": self.config.idc or self.name,
                    **(labels or {}),
                },
            },
            "spec": {},
            "status": {
                "capacity": capacity,
                "allocatable": dict(capacity),
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                        "lastHeartbeatTime": now_iso(),
                        "lastTransitionTime": now_iso(),
                    }
                ],
                "addresses": [
                    {"type": "InternalIP", "address": f"127.{9 + self.config.index}.255.{number}"},
                    {"type": "Hostname", "address": name},
                ],
                "nodeInfo": {
                    "kubeletVersion": KUBERNETES_VERSION,
                    "kubeProxyVersion": KUBERNETES_VERSION,
                    "osImage": "kubesim",
                    "containerRuntimeVersion": "containerd://1.7.0",
                    "kernelVersion": "6.1",
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                    "bootID": node_id,
                    "machineID": node_id,
                    "systemUUID": node_id,
                },
            },
        }
        return self.store.create(NODE, node)

    def set_node_ready(self, name: str, ready: bool) -> Obj:
        def change(node: Obj) -> None:
            for cond in node["status"]["conditions"]:
                if cond["type"] == "Ready":
                    cond["status"] = "True" if ready else "Unknown"
                    cond["reason"] = "KubeletReady" if ready else "NodeStatusUnknown"
                    cond["lastTransitionTime"] = now_iso()

        updated = self.store.mutate(NODE, None, name, change)
        if updated is None:
            raise not_found(NODE, name)
        return updated

    def pod_ip(self, pod: Obj) -> str:
        return self.addresses.pod_ip(pod["metadata"]["uid"])

    def release_pod(self, pod: Obj) -> None:
        self.addresses.release(pod["metadata"]["uid"])
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.pod_logs.pop(key, None)
        self.pod_faults.pop(key, None)
        for hook in self.hooks:
            hook("gone", pod)

    def allocate_cluster_ip(self) -> str:
        return self.addresses.cluster_ip()

    def fault_for(self, pod: Obj) -> str | None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        if key in self.pod_faults:
            return self.pod_faults[key]
        annotated = (pod["metadata"].get("annotations") or {}).get(PREFIX + "fault")
        if annotated:
            return str(annotated)
        for c in (pod.get("spec") or {}).get("containers") or []:
            fault = self.knobs.fault_for_image(c.get("image", ""))
            if fault:
                return fault
        if missing_hook_program(pod, "postStart", self.knobs.programs) is not None:
            return "FailedPostStartHook"
        return None

    def record_event(self, obj: Obj, reason: str, message: str, *, type_: str = "Normal") -> None:
        meta = obj["metadata"]
        ns = meta.get("namespace") or "default"
        name = f"{meta['name']}.{random_suffix(10)}"
        event = {
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": {
                "kind": obj.get("kind"),
                "namespace": meta.get("namespace"),
                "name": meta["name"],
                "uid": meta.get("uid"),
                "apiVersion": obj.get("apiVersion"),
            },
            "reason": reason,
            "message": message,
            "type": type_,
            "count": 1,
            "firstTimestamp": now_iso(),
            "lastTimestamp": now_iso(),
            "source": {"component": "kubesim"},
        }
        if self.store.get(NAMESPACE, None, ns) is None:
            return
        self.store.create(EVENT, event)
        self._event_names.append((ns, name))
        while len(self._event_names) > MAX_EVENTS:
            old_ns, old_name = self._event_names.popleft()
            if self.store.get(EVENT, old_ns, old_name) is not None:
                self.store.remove(EVENT, old_ns, old_name)

    def log_line(self, pod: Obj, line: str, *, stream: str = "stdout") -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.pod_logs.setdefault(key, collections.deque(maxlen=MAX_LOG_LINES)).append(
            f"{stamp} {line}"
        )
        if self.shipper is not None:
            self.shipper.ship(pod, line, stream)

    async def _app_logs(self) -> None:
        """Running pods log like applications: JSON lines, every tenth a warning or error."""
        while True:
            await asyncio.sleep(self.config.log_interval_s)
            for pod in self.store.list(POD):
                if (pod.get("status") or {}).get("phase") != "Running" or is_terminating(pod):
                    continue
                self._log_ticks += 1
                level = (
                    "error"
                    if self._log_ticks % 20 == 0
                    else "warn"
                    if self._log_ticks % 10 == 0
                    else "info"
                )
                message = json.dumps(
                    {
                        "level": level,
                        "msg": f"handled request {self._log_ticks}",
                        "pod": pod["metadata"]["name"],
                    }
                )
                self.log_line(pod, message, stream="stderr" if level == "error" else "stdout")

    def pod_started(self, pod: Obj) -> None:
        version = (pod["metadata"].get("labels") or {}).get("app.kubernetes.io/version", "")
        image = ((pod.get("spec") or {}).get("containers") or [{}])[0].get("image", "")
        self.log_line(
            pod, f"starting {pod['metadata']['name']} image={image} version={version}".rstrip()
        )
        for hook in self.hooks:
            hook("started", pod)

    def pod_stopping(self, pod: Obj, *, pre_stop_s: float) -> None:
        """Termination began: preStop runs for `pre_stop_s`, then the container gets SIGTERM."""
        if pre_stop_s > 0:
            self.log_line(pod, f"preStop hook running ({pre_stop_s:g} s)")
        asyncio.get_running_loop().call_later(pre_stop_s, self._sigterm, pod)

    def _sigterm(self, pod: Obj) -> None:
        self.log_line(pod, "received SIGTERM, shutting down")
        for hook in self.hooks:
            hook("sigterm", pod)

    # --- observability ----------------------------------------------------------------------

    def pod_log_lines(self, namespace: str, name: str) -> list[str]:
        return list(self.pod_logs.get((namespace, name), ()))

    def metrics_text(self) -> str:
        from kubesim.metrics import render

        return render(self)

    # --- admin API --------------------------------------------------------------------------

    async def admin(self, request: web.Request) -> web.Response:
        return await admin.handle(self, request)

    def kick_pods(self, keys: list[tuple[str, str]] | None = None) -> None:
        if keys is None:
            keys = [
                (p["metadata"]["namespace"], p["metadata"]["name"]) for p in self.store.list(POD)
            ]
        for controller in self.controllers:
            if isinstance(controller, Kubelet):
                for key in keys:
                    controller.enqueue(key)

    async def start_outage(
        self, mode: str, seconds: float, then: tuple[str, float] | None = None
    ) -> None:
        """The API server down for `seconds`; `then`: another outage right after this one."""
        if mode not in OUTAGE_MODES or (then is not None and then[0] not in OUTAGE_MODES):
            raise ValueError(f"an outage's mode is one of {', '.join(OUTAGE_MODES)}")
        self.knobs.outage_mode = mode  # type: ignore[assignment]
        self.knobs.outage_until = time.monotonic() + seconds
        site, refusing = self._site, mode == "refuse" and self._site is not None
        if refusing:
            self.store.close_watches()
            self._site = None
        self._tasks.append(
            asyncio.get_running_loop().create_task(
                self._outage_over(site if refusing else None, seconds, then)
            )
        )

    async def _outage_over(
        self, closed: web.TCPSite | None, seconds: float, then: tuple[str, float] | None
    ) -> None:
        if closed is not None:
            await closed.stop()
        await asyncio.sleep(seconds)
        if closed is not None:
            await self._listen()
        if then is not None:
            await self.start_outage(*then)

    def describe(self) -> Obj:
        return {
            "cluster": self.name,
            "url": self.url,
            "resourceVersion": self.store.resource_version,
            "objects": {rt.plural: self.store.count(rt) for rt in RESOURCES},
            "knobs": self.knobs.describe(),
            "pod_faults": {f"{ns}/{n}": f for (ns, n), f in self.pod_faults.items()},
        }
