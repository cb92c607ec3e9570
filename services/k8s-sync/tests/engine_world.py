"""The sync engine's test world: kubesim with real pod listeners, two real HAProxy instances in
master-worker mode, k8s-sync's engine driving both; fixtures (`world`, `engine`) and helpers."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio import client

from flotilla_devstack.haproxy import HAProxyProcess, count_answers
from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.kube import api_client
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.sync.routes import DomainTemplates
from k8s_sync.workers.ingress_sync import IngressSync

from .ingress_helpers import instance_for

BACKEND = "web.prod"
HOST = "web.prod.apps.test"


@dataclass
class World:
    kubesim: KubesimProcess
    a: HAProxyProcess
    b: HAProxyProcess


@pytest.fixture(name="world")
def world_fixture(tmp_path: Path) -> Iterator[World]:
    kubesim = KubesimProcess(
        tmp_path / "ks", clusters=("sync-a", "sync-b"), extra_args=("--pod-listeners",)
    )
    a = HAProxyProcess(tmp_path / "ha", name="ingress-a")
    b = HAProxyProcess(tmp_path / "hb", name="ingress-b")
    kubesim.start()
    a.start()
    b.start()
    yield World(kubesim, a, b)
    b.stop()
    a.stop()
    kubesim.stop()


async def start_engine(world: World, **tuning: Any) -> tuple[IngressSync, list[asyncio.Task[None]]]:
    tuning = {"reconcile_s": 0.5, "drift_check_s": 2.0, **tuning}
    instances = [instance_for(h, **tuning) for h in (world.a, world.b)]
    engine = IngressSync(
        instances,
        [c.connection() for c in world.kubesim.clusters.values()],
        templates=DomainTemplates({"*": "{app}.{env}.apps.test"}),
    )
    tasks = [asyncio.create_task(engine.run(), name=engine.name)]
    tasks += [asyncio.create_task(i.run(), name=i.name) for i in instances]
    return engine, tasks


@pytest.fixture(name="engine")
async def engine_fixture(world: World) -> AsyncIterator[IngressSync]:
    sync, tasks = await start_engine(world)
    yield sync
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def labels_of(app: str) -> dict[str, str]:
    return {
        "flotilla.io/app": app,
        "flotilla.io/env": "prod",
        "app.kubernetes.io/managed-by": "flotilla",
    }


def manifests(app: str = "web", replicas: int = 3, *, stage: str = "stable") -> tuple[Any, Any]:
    name = app if stage == "stable" else f"{app}-{stage}"
    meta_labels = {**labels_of(app), "flotilla.io/stage": stage}
    selector = {"app": app, "stage": stage}
    service = {
        "metadata": {"name": name, "labels": meta_labels},
        "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    deployment = {
        "metadata": {"name": name, "labels": meta_labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": {**selector, **meta_labels},
                    "annotations": {
                        "kubesim.flotilla.io/ready-after-seconds": "0.3",
                        "kubesim.flotilla.io/pre-stop-seconds": "1.5",
                    },
                },
                "spec": {
                    "containers": [
                        {"name": "web", "image": f"{app}:1", "ports": [{"containerPort": 8080}]}
                    ]
                },
            },
        },
    }
    return service, deployment


async def deploy(
    cluster: SimulatedCluster, replicas: int = 3, *, app: str = "web", stage: str = "stable"
) -> None:
    async with await api_client(cluster.connection()) as api:
        service, deployment = manifests(app, replicas, stage=stage)
        await client.CoreV1Api(api).create_namespaced_service("default", service)
        await client.AppsV1Api(api).create_namespaced_deployment("default", deployment)


def pods_of(engine: IngressSync, backend: str = BACKEND) -> dict[tuple[str, int], str]:
    """address:port → "<cluster>/<pod>", from the engine's view of the slices."""
    return {(e.address, e.port): f"{e.cluster}/{e.pod}" for e in engine.desired(backend)}


async def served(
    engine: IngressSync, instance: IngressInstance, backend: str = BACKEND
) -> set[str]:
    """What the instance sends new requests to: "<cluster>/<pod>" (or the bare address)."""
    if not instance.has_backend(backend):
        return set()
    names = pods_of(engine, backend)
    return {
        names.get((s.address, s.port), f"{s.address}:{s.port}")
        for s in await instance.runtime.servers(backend)
        if s.state == "ready"
    }


async def until(check: Any, timeout_s: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def everywhere(engine: IngressSync, want: int, backend: str = BACKEND) -> bool:
    for instance in engine.instances:
        if len(await served(engine, instance, backend)) != want:
            return False
    return True


async def traffic(
    haproxy: HAProxyProcess, stop: asyncio.Event, rate: float = 100.0, **headers: str
) -> Counter[str]:
    return await count_answers(haproxy.port, stop, headers=headers or {"host": HOST}, rate=rate)


async def served_by(engine: IngressSync, instance: IngressInstance, n: int) -> bool:
    return len(await served(engine, instance)) == n


async def live_pods(api: client.ApiClient, selector: str = "app=web") -> set[str]:
    pods = await client.CoreV1Api(api).list_namespaced_pod("default", label_selector=selector)
    return {p.metadata.name for p in pods.items if not p.metadata.deletion_timestamp}
