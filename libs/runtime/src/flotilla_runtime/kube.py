"""Kubernetes clients from a ClusterConnection: the one code path to real clusters and kubesim."""

from __future__ import annotations

from typing import Any

import yaml
from kubernetes_asyncio import client, config

from flotilla_contracts import ClusterConnection


class KubeconfigError(ValueError):
    """The kubeconfig cannot be used: not YAML, or no usable cluster/user/context."""


def parse_kubeconfig(text: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KubeconfigError(f"not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not doc.get("clusters") or not doc.get("users"):
        raise KubeconfigError("a kubeconfig needs `clusters` and `users`")
    context = _current_context(doc)
    cluster = _named(doc, "clusters", context.get("cluster"))
    if not str((cluster.get("cluster") or {}).get("server", "")).startswith(
        ("https://", "http://")
    ):
        raise KubeconfigError("the current cluster has no https:// server")
    _named(doc, "users", context.get("user"))
    return doc


def _current_context(doc: dict[str, Any]) -> dict[str, Any]:
    contexts = doc.get("contexts") or []
    current = doc.get("current-context")
    for ctx in contexts:
        if ctx.get("name") == current or current is None:
            return dict(ctx.get("context") or {})
    if contexts:
        raise KubeconfigError(f"current-context {current!r} is not among the contexts")
    return {"cluster": doc["clusters"][0].get("name"), "user": doc["users"][0].get("name")}


def _named(doc: dict[str, Any], section: str, name: str | None) -> dict[str, Any]:
    for entry in doc.get(section) or []:
        if name is None or entry.get("name") == name:
            return dict(entry)
    raise KubeconfigError(f"no {section[:-1]} named {name!r}")


def server_of(kubeconfig: dict[str, Any]) -> str:
    context = _current_context(kubeconfig)
    return str(_named(kubeconfig, "clusters", context.get("cluster"))["cluster"]["server"])


def kubeconfig_of(connection: ClusterConnection) -> dict[str, Any]:
    if connection.kubeconfig:
        return parse_kubeconfig(connection.kubeconfig)
    cluster: dict[str, Any] = {"server": connection.api_server}
    if connection.ca_data:
        cluster["certificate-authority-data"] = connection.ca_data
    if connection.insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "flotilla",
        "clusters": [{"name": connection.cluster, "cluster": cluster}],
        "users": [{"name": "flotilla", "user": {"token": connection.token or ""}}],
        "contexts": [
            {"name": "flotilla", "context": {"cluster": connection.cluster, "user": "flotilla"}}
        ],
    }


async def api_client(connection: ClusterConnection) -> client.ApiClient:
    """An ApiClient for the cluster; close it (`async with`) when done."""
    configuration = client.Configuration()
    await config.load_kube_config_from_dict(
        kubeconfig_of(connection), client_configuration=configuration
    )
    return client.ApiClient(configuration)


def quantity(value: Any) -> float:
    """CPU cores or bytes from a Kubernetes quantity (`250m`, `1.5`, `512Mi`, `2G`)."""
    if value is None:
        return 0.0
    text = str(value)
    units = {
        "m": 1e-3,
        "Ki": 2**10,
        "Mi": 2**20,
        "Gi": 2**30,
        "Ti": 2**40,
        "Pi": 2**50,
        "k": 1e3,
        "M": 1e6,
        "G": 1e9,
        "T": 1e12,
    }
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)
