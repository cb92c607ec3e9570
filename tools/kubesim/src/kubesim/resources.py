"""The resource types kubesim serves, and the discovery documents built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VERBS_RW = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str  # "" for the core group
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # `kubectl get all` asks discovery which are "all"
    generation: bool = False  # spec writes bump metadata.generation

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    def api_resource(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(VERBS_RW),
        }
        if self.short_names:
            doc["shortNames"] = list(self.short_names)
        if self.categories:
            doc["categories"] = list(self.categories)
        return doc


R = ResourceType
ALL = ("all",)  # the kinds a real server puts in the "all" category that kubesim serves
RESOURCES: tuple[ResourceType, ...] = (
    R("", "v1", "namespaces", "namespace", "Namespace", False, ("ns",), ("status",)),
    R("", "v1", "nodes", "node", "Node", False, ("no",), ("status",)),
    R("", "v1", "pods", "pod", "Pod", True, ("po",), ("status", "log", "eviction"), ALL),
    R("", "v1", "services", "service", "Service", True, ("svc",), ("status",), ALL),
    R("", "v1", "endpoints", "endpoints", "Endpoints", True, ("ep",)),
    R("", "v1", "events", "event", "Event", True, ("ev",)),
    R("", "v1", "configmaps", "configmap", "ConfigMap", True, ("cm",)),
    R("", "v1", "secrets", "secret", "Secret", True),
    R(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        True,
        ("deploy",),
        ("status", "scale"),
        ALL,
        generation=True,
    ),
    R(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        True,
        ("rs",),
        ("status", "scale"),
        ALL,
        generation=True,
    ),
    R("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", True),
    R("coordination.k8s.io", "v1", "leases", "lease", "Lease", True),
    R(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        True,
        ("pdb",),
        ("status",),
        generation=True,
    ),
)

BY_PATH: dict[tuple[str, str, str], ResourceType] = {
    (r.group, r.version, r.plural): r for r in RESOURCES
}
BY_KIND: dict[str, ResourceType] = {r.kind: r for r in RESOURCES}
GROUP_VERSIONS: dict[str, list[ResourceType]] = {}
for _r in RESOURCES:
    GROUP_VERSIONS.setdefault(_r.group_version, []).append(_r)


def resource(kind: str) -> ResourceType:
    return BY_KIND[kind]


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    }


def api_group_list() -> dict[str, Any]:
    groups = []
    for group in sorted({r.group for r in RESOURCES if r.group}):
        versions = sorted({r.version for r in RESOURCES if r.group == group})
        gv = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": gv, "preferredVersion": gv[0]})
    groups.append(metrics_group())
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def metrics_group() -> dict[str, Any]:
    """metrics.k8s.io, served by kubesim.metricsapi (`kubectl top`)."""
    version = {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}
    return {"name": "metrics.k8s.io", "versions": [version], "preferredVersion": version}


def api_resource_list(group_version: str) -> dict[str, Any] | None:
    types = GROUP_VERSIONS.get(group_version)
    if types is None:
        return None
    resources: list[dict[str, Any]] = []
    for rt in types:
        resources.append(rt.api_resource())
        for sub in rt.subresources:
            kind = {"scale": "Scale", "eviction": "Eviction", "log": "Pod"}.get(sub, rt.kind)
            verbs = {"log": ["get"], "eviction": ["create"]}.get(sub, ["get", "patch", "update"])
            resources.append(
                {
                    "name": f"{rt.plural}/{sub}",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "kind": kind,
                    "verbs": verbs,
                }
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }
