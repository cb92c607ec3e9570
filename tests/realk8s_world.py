"""The conformance lane's world (tests/test_realk8s.py): three real clusters and two HAProxy
instances standing where tests/release_world.py's kubesim stands, and the lane's helpers."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.realk8s import RealClusters

from .release_world import CLUSTERS, World


@pytest.fixture(scope="module", name="processes")
def real_processes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RealClusters, HAProxyProcess, HAProxyProcess]]:
    tmp = tmp_path_factory.mktemp("realk8s")
    clusters = RealClusters(tmp / "clusters", clusters=tuple(CLUSTERS))
    a = HAProxyProcess(tmp / "ingress-a", name="ingress-a")
    b = HAProxyProcess(tmp / "ingress-b", name="ingress-b")
    clusters.start()
    try:
        a.start()
        b.start()
        yield clusters, a, b
    finally:
        b.stop()
        a.stop()
        clusters.stop()


@pytest.fixture(scope="module", name="kubesim")
def chaos_is_rel_c(
    processes: tuple[RealClusters, HAProxyProcess, HAProxyProcess],
) -> SimpleNamespace:
    """tests/test_alerts.py's cluster "chaos" is rel-c here, as its admin (those tests create
    namespaces and deployments of their own). A pod's fault annotation means the same as on
    kubesim: flotilla_devstack.realk8s.faults reports what a kubelet would."""
    clusters, _, _ = processes
    return SimpleNamespace(clusters={"chaos": clusters.admin["rel-c"]})


def real(world: World) -> RealClusters:
    assert isinstance(world.kubesim, RealClusters)
    return world.kubesim


def can_i(world: World, cluster: str, verb: str, resource: str) -> bool:
    """`kubectl auth can-i` as the account Flotilla was registered with."""
    resource, _, subresource = resource.partition("/")
    done = subprocess.run(
        [
            "kubectl",
            f"--kubeconfig={real(world).clusters[cluster].kubeconfig}",
            "auth",
            "can-i",
            verb,
            resource,
            *([f"--subresource={subresource}"] if subresource else []),
            "--all-namespaces",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() == "yes"


class Cache:
    """An informer's handler that keeps what a consumer keeps."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    async def replace(self, objects: list[Any], resource_version: str) -> None:
        self.names = {o["metadata"]["name"] for o in objects}

    async def apply(self, event_type: str, obj: Any) -> None:
        name = obj["metadata"]["name"]
        if event_type == "DELETED":
            self.names.discard(name)
        else:
            self.names.add(name)


async def until(check: Any, what: Any, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")
        await asyncio.sleep(0.05)
