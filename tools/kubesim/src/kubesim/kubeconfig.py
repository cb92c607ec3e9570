"""How a client finds and trusts a simulated cluster: its kubeconfig and its /version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

KUBERNETES_VERSION = "v1.32.0"


def version_info() -> dict[str, Any]:
    """The body of GET /version (kubectl reads it before `apply`)."""
    return {
        "major": "1",
        "minor": "32",
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "kubesim",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def kubeconfig(name: str, *, url: str, ca_data: str, token: str) -> dict[str, Any]:
    """One cluster, one bearer-token user, one context (namespace `default`)."""
    user = f"{name}-admin"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": name,
        "clusters": [
            {"name": name, "cluster": {"server": url, "certificate-authority-data": ca_data}}
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": name, "context": {"cluster": name, "user": user, "namespace": "default"}}
        ],
    }


def write(directory: Path, name: str, config: dict[str, Any]) -> Path:
    """`<directory>/<name>.kubeconfig`, readable by its owner only (it holds the token)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path
