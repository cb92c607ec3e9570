"""Endpoints and EndpointSlices controller: Services' selectors over pods' readiness.

Slices hold at most 100 endpoints; each endpoint carries ready / serving / terminating as
described in discovery.k8s.io/v1: `ready` is false while terminating, `serving` follows the
pod's readiness even then.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kubesim.controllers.base import Controller, Key
from kubesim.objects import is_terminating, owner_ref, pod_is_ready
from kubesim.resources import resource
from kubesim.store import Obj

SERVICE = resource("Service")
POD = resource("Pod")
ENDPOINTS = resource("Endpoints")
SLICE = resource("EndpointSlice")
MAX_PER_SLICE = 100
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"


class EndpointsController(Controller):
    name = "endpoints"

    def on_event(self, type_: str, rt: Any, obj: Obj, old: Obj | None) -> None:
        if rt is SERVICE:
            self.enqueue((obj["metadata"]["namespace"], obj["metadata"]["name"]))
        elif rt is POD:
            ns = obj["metadata"]["namespace"]
            labels = [
                obj["metadata"].get("labels") or {},
                (old or {}).get("metadata", {}).get("labels") or {},
            ]
            for svc in self.store.list(SERVICE, ns):
                selector = (svc.get("spec") or {}).get("selector")
                if selector and any(
                    all(lab.get(k) == v for k, v in selector.items()) for lab in labels
                ):
                    self.enqueue((ns, svc["metadata"]["name"]))

    def reconcile(self, key: Key) -> None:
        ns, name = key
        svc = self.store.get(SERVICE, ns, name)
        if svc is None:
            for s in self.store.list(SLICE, ns):
                if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name:
                    self.store.remove(SLICE, ns, s["metadata"]["name"])
            if self.store.get(ENDPOINTS, ns, name) is not None:
                self.store.remove(ENDPOINTS, ns, name)
            return
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            return  # a Service without selector has hand-made endpoints
        pods = [
            p
            for p in self.store.list(POD, ns)
            if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())
            and (p.get("status") or {}).get("podIP")
        ]
        svc_ports = (svc.get("spec") or {}).get("ports") or []
        endpoints = []
        ports_by_pod: dict[str, list[Obj]] = {}
        for pod in pods:
            terminating = is_terminating(pod)
            ready = pod_is_ready(pod)
            endpoint = {
                "addresses": [pod["status"]["podIP"]],
                "conditions": {
                    "ready": ready and not terminating,
                    "serving": ready,
                    "terminating": terminating,
                },
                "targetRef": {
                    "kind": "Pod",
                    "namespace": ns,
                    "name": pod["metadata"]["name"],
                    "uid": pod["metadata"]["uid"],
                },
            }
            node_name = (pod.get("spec") or {}).get("nodeName")
            if node_name:
                endpoint["nodeName"] = node_name
            endpoints.append(endpoint)
            ports_by_pod[pod["metadata"]["name"]] = _resolve_ports(svc_ports, pod)
        ports = next(iter(ports_by_pod.values()), _resolve_ports(svc_ports, None))
        self._write_slices(svc, endpoints, ports)
        self._write_endpoints(svc, pods, ports)

    def _write_slices(self, svc: Obj, endpoints: list[Obj], ports: list[Obj]) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        endpoints.sort(key=lambda e: e["targetRef"]["name"])
        chunks = [
            endpoints[i : i + MAX_PER_SLICE] for i in range(0, len(endpoints), MAX_PER_SLICE)
        ] or [[]]
        wanted = {}
        for index, chunk in enumerate(chunks):
            suffix = hashlib.sha256(f"{name}/{index}".encode()).hexdigest()[:5]
            wanted[f"{name}-{suffix}"] = chunk
        for existing in self.store.list(SLICE, ns):
            if (existing["metadata"].get("labels") or {}).get(
                SERVICE_NAME_LABEL
            ) == name and existing["metadata"]["name"] not in wanted:
                self.store.remove(SLICE, ns, existing["metadata"]["name"])
        # The real controller copies the Service's labels onto its slices (consumers such as
        # k8s-sync select slices by them), plus its own two.
        slice_labels = {
            **(svc["metadata"].get("labels") or {}),
            SERVICE_NAME_LABEL: name,
            MANAGED_BY: "endpointslice-controller.k8s.io",
        }
        for slice_name, chunk in wanted.items():
            current = self.store.get(SLICE, ns, slice_name)
            if current is None:
                self.cluster.create(
                    SLICE,
                    {
                        "metadata": {
                            "name": slice_name,
                            "namespace": ns,
                            "labels": slice_labels,
                            "ownerReferences": [owner_ref(svc)],
                        },
                        "addressType": "IPv4",
                        "endpoints": chunk,
                        "ports": ports,
                    },
                )
            elif (
                current.get("endpoints") != chunk
                or current.get("ports") != ports
                or current["metadata"].get("labels") != slice_labels
            ):

                def update(s: Obj, chunk: list[Obj] = chunk) -> None:
                    s["endpoints"] = chunk
                    s["ports"] = ports
                    s["metadata"]["labels"] = slice_labels

                self.store.mutate(SLICE, ns, slice_name, update)

    def _write_endpoints(self, svc: Obj, pods: list[Obj], ports: list[Obj]) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        ready: list[Obj] = []
        not_ready: list[Obj] = []
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            if is_terminating(pod):
                continue
            address = {
                "ip": pod["status"]["podIP"],
                "nodeName": (pod.get("spec") or {}).get("nodeName"),
                "targetRef": {
                    "kind": "Pod",
                    "namespace": ns,
                    "name": pod["metadata"]["name"],
                    "uid": pod["metadata"]["uid"],
                },
            }
            (ready if pod_is_ready(pod) else not_ready).append(address)
        subset: Obj = {"ports": ports}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subsets = [subset] if (ready or not_ready) else []
        current = self.store.get(ENDPOINTS, ns, name)
        if current is None:
            self.cluster.create(
                ENDPOINTS,
                {
                    "metadata": {
                        "name": name,
                        "namespace": ns,
                        "labels": dict(svc["metadata"].get("labels") or {}),
                    },
                    "subsets": subsets,
                },
            )
        elif current.get("subsets") != subsets:
            self.store.mutate(ENDPOINTS, ns, name, lambda e: e.__setitem__("subsets", subsets))


def _resolve_ports(svc_ports: list[Obj], pod: Obj | None) -> list[Obj]:
    resolved = []
    for port in svc_ports:
        target = port.get("targetPort", port.get("port"))
        number: int | None = None
        if isinstance(target, int):
            number = target
        elif isinstance(target, str) and target.isdigit():
            number = int(target)
        elif pod is not None:
            for c in (pod.get("spec") or {}).get("containers") or []:
                for cp in c.get("ports") or []:
                    if cp.get("name") == target:
                        number = cp.get("containerPort")
        if number is None:
            continue
        entry = {"port": number, "protocol": port.get("protocol", "TCP")}
        if port.get("name"):
            entry["name"] = port["name"]
        resolved.append(entry)
    return resolved
