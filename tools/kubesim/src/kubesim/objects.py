"""What the API server does to objects on write: defaulting and validation (422 Invalid)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from kubesim.resources import ResourceType
from kubesim.store import ApiError, Obj

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def invalid(rt: ResourceType, name: str, causes: list[tuple[str, str]]) -> ApiError:
    text = "; ".join(f"{f}: {m}" for f, m in causes)
    return ApiError(
        422,
        "Invalid",
        f'{rt.kind} "{name}" is invalid: {text}',
        {
            "name": name,
            "group": rt.group,
            "kind": rt.kind,
            "causes": [
                {"reason": "FieldValueInvalid", "field": f, "message": m} for f, m in causes
            ],
        },
    )


def _label_problems(labels: Any, where: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if labels is None:
        return problems
    if not isinstance(labels, dict):
        return [(where, "must be a map of strings")]
    for key, value in labels.items():
        prefix, _, name = key.rpartition("/")
        if (
            (prefix and not DNS_SUBDOMAIN.match(prefix))
            or not LABEL_NAME.match(name)
            or len(name) > 63
        ):
            problems.append((f"{where}[{key}]", "invalid label key"))
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
            problems.append((f"{where}[{key}]", f"invalid label value {value!r}"))
    return problems


def _containers(spec: Any, where: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    containers = spec.get("containers") if isinstance(spec, dict) else None
    if not containers:
        return [(f"{where}.containers", "Required value")]
    names = set()
    for i, c in enumerate(containers):
        if not isinstance(c, dict) or not c.get("name") or not DNS_LABEL.match(str(c["name"])):
            problems.append((f"{where}.containers[{i}].name", "a DNS-1123 label is required"))
        elif c["name"] in names:
            problems.append((f"{where}.containers[{i}].name", f"Duplicate value: {c['name']!r}"))
        else:
            names.add(c["name"])
        if isinstance(c, dict) and not c.get("image"):
            problems.append((f"{where}.containers[{i}].image", "Required value"))
    return problems


def _endpoint_addresses(obj: Obj) -> list[tuple[str, str]]:
    """A real API server refuses EndpointSlice addresses that are loopback, link-local,
    multicast or unspecified (k8s.io/kubernetes pkg/apis/discovery/validation, through
    ValidateEndpointIP). Found by the conformance lane: kubesim accepted them."""
    problems = []
    for i, endpoint in enumerate(obj.get("endpoints") or []):
        for j, address in enumerate(endpoint.get("addresses") or []):
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                continue  # an FQDN slice; not served by kubesim's controllers either
            if ip.is_loopback:
                why = "may not be in the loopback range (127.0.0.0/8, ::1/128)"
            elif ip.is_link_local:
                why = "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
            elif ip.is_multicast:
                why = "may not be in the multicast range (224.0.0.0/4, ff00::/8)"
            elif ip.is_unspecified:
                why = "may not be unspecified (0.0.0.0, ::)"
            else:
                continue
            problems.append(
                (f"endpoints[{i}].addresses[{j}]", f"Invalid value: {address!r}: {why}")
            )
    return problems


def validate(rt: ResourceType, obj: Obj, *, client: bool = False) -> None:
    """Refuse what the API server refuses. `client`: a write through the API; kubesim's own
    controllers write their pods' loopback IPs into EndpointSlices, which a real server (and
    kubesim, from a client) refuses: its pods listen on 127.0.0.0/8 so that no route is needed
    (the conformance lane on real servers routes 198.18.0.0/15 to the loopback device)."""
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    causes: list[tuple[str, str]] = []
    pattern = DNS_LABEL if rt.kind in ("Namespace", "Service") else DNS_SUBDOMAIN
    if name and (not pattern.match(name) or len(name) > 253):
        causes.append(("metadata.name", f"invalid name {name!r}"))
    causes += _label_problems(meta.get("labels"), "metadata.labels")
    spec = obj.get("spec")
    if rt.kind == "Pod":
        causes += _containers(spec or {}, "spec")
    elif rt.kind in ("Deployment", "ReplicaSet"):
        spec = spec or {}
        template = spec.get("template") or {}
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        tlabels = (template.get("metadata") or {}).get("labels") or {}
        if not selector and not (spec.get("selector") or {}).get("matchExpressions"):
            causes.append(("spec.selector", "Required value"))
        elif any(tlabels.get(k) != v for k, v in selector.items()):
            causes.append(
                ("spec.template.metadata.labels", "`selector` does not match template `labels`")
            )
        causes += _label_problems(tlabels, "spec.template.metadata.labels")
        causes += _containers(template.get("spec") or {}, "spec.template.spec")
        replicas = spec.get("replicas", 1)
        if not isinstance(replicas, int) or replicas < 0:
            causes.append(("spec.replicas", "must be greater than or equal to 0"))
    elif rt.kind == "EndpointSlice" and client:
        causes += _endpoint_addresses(obj)
    elif rt.kind == "Service":
        for i, port in enumerate((spec or {}).get("ports") or []):
            if not isinstance(port.get("port"), int) or not 0 < port["port"] < 65536:
                causes.append((f"spec.ports[{i}].port", "must be between 1 and 65535"))
    if causes:
        raise invalid(rt, name, causes)


def apply_defaults(rt: ResourceType, obj: Obj, *, cluster_ip: str | None = None) -> None:
    spec = obj.setdefault("spec", {}) if rt.kind not in _NO_SPEC else None
    if rt.kind == "Pod":
        assert spec is not None
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        for c in spec.get("containers", []):
            c.setdefault("imagePullPolicy", "IfNotPresent")
            c.setdefault("terminationMessagePath", "/dev/termination-log")
        _default_ports(spec)
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif rt.kind == "Deployment":
        assert spec is not None
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        _default_ports((spec.get("template") or {}).get("spec") or {})
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy["type"] = "RollingUpdate"
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxSurge", "25%")
            rolling.setdefault("maxUnavailable", "25%")
        obj.setdefault("status", {})
    elif rt.kind == "ReplicaSet":
        assert spec is not None
        spec.setdefault("replicas", 1)
        obj.setdefault("status", {"replicas": 0})
    elif rt.kind == "Service":
        assert spec is not None
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if cluster_ip and "clusterIP" not in spec:
            spec["clusterIP"] = cluster_ip
            spec["clusterIPs"] = [cluster_ip]
        for port in spec.get("ports", []):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif rt.kind == "Namespace":
        assert spec is not None
        spec.setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
        labels = obj["metadata"].setdefault("labels", {})
        labels.setdefault("kubernetes.io/metadata.name", obj["metadata"]["name"])
    elif rt.kind == "PodDisruptionBudget":
        obj.setdefault(
            "status",
            {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0},
        )


def _default_ports(pod_spec: Obj) -> None:
    """A container port's protocol is TCP unless given, as the API server defaults it."""
    for c in [*(pod_spec.get("containers") or []), *(pod_spec.get("initContainers") or [])]:
        for port in c.get("ports") or []:
            port.setdefault("protocol", "TCP")


_NO_SPEC = {"ConfigMap", "Secret", "Endpoints", "EndpointSlice", "Event"}


def pod_is_ready(pod: Obj) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def is_terminating(obj: Obj) -> bool:
    return bool(obj["metadata"].get("deletionTimestamp"))


def controller_of(obj: Obj) -> dict[str, Any] | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_ref(owner: Obj, *, controller: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }
