"""The sync engine end to end: kubesim (real pod listeners) → k8s-sync → real HAProxy → traffic."""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.kube import api_client
from k8s_sync.ingress.haproxy import HAProxyRuntime
from k8s_sync.sync.engine import IngressSync

pytestmark = pytest.mark.integration
BACKEND = "web.prod"
LABELS = {
    "flotilla.io/app": "web",
    "flotilla.io/env": "prod",
    "app.kubernetes.io/managed-by": "flotilla",
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[KubesimProcess, HAProxyProcess]]:
    kubesim = KubesimProcess(
        tmp_path / "ks", clusters=("sync-a", "sync-b"), extra_args=("--pod-listeners",)
    )
    haproxy = HAProxyProcess(tmp_path / "haproxy", backends=(BACKEND,))
    kubesim.start()
    haproxy.start()
    yield kubesim, haproxy
    haproxy.stop()
    kubesim.stop()


@pytest.fixture
async def engine(world: tuple[KubesimProcess, HAProxyProcess]) -> AsyncIterator[IngressSync]:
    kubesim, haproxy = world
    driver = HAProxyRuntime(str(haproxy.socket))
    sync = IngressSync(driver, [c.connection() for c in kubesim.clusters.values()], reconcile_s=0.5)
    task = asyncio.create_task(sync.run())
    yield sync
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await driver.close()


def manifests(image: str = "web:1", replicas: int = 3) -> tuple[Any, Any]:
    service = {
        "metadata": {"name": "web", "labels": LABELS},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    deployment = {
        "metadata": {"name": "web", "labels": LABELS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {
                    "labels": {"app": "web", **LABELS},
                    "annotations": {
                        "kubesim.flotilla.io/ready-after-seconds": "0.3",
                        "kubesim.flotilla.io/pre-stop-seconds": "1.5",
                    },
                },
                "spec": {
                    "containers": [
                        {"name": "web", "image": image, "ports": [{"containerPort": 8080}]}
                    ]
                },
            },
        },
    }
    return service, deployment


async def deploy(cluster: SimulatedCluster, replicas: int = 3) -> None:
    async with await api_client(cluster.connection()) as api:
        service, deployment = manifests(replicas=replicas)
        await client.CoreV1Api(api).create_namespaced_service("default", service)
        await client.AppsV1Api(api).create_namespaced_deployment("default", deployment)


async def ready_servers(driver: HAProxyRuntime, prefix: str = "") -> set[str]:
    return {
        s.name
        for s in await driver.servers(BACKEND)
        if s.state == "ready" and s.name.startswith(prefix)
    }


async def until(check: Any, timeout_s: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def traffic(
    haproxy: HAProxyProcess, stop: asyncio.Event, rate: float = 100.0
) -> Counter[str]:
    """Requests at `rate`/s through the ingress until `stop`; counts answers by pod/status."""
    seen: Counter[str] = Counter()
    async with httpx.AsyncClient(timeout=3) as http:
        while not stop.is_set():
            try:
                r = await http.get(
                    f"http://127.0.0.1:{haproxy.port}/", headers={"x-flotilla-app": BACKEND}
                )
                seen["ok" if r.status_code == 200 else f"http-{r.status_code}"] += 1
            except httpx.HTTPError as exc:
                seen[type(exc).__name__] += 1
            await asyncio.sleep(1 / rate)
    return seen


async def test_pods_appear_in_haproxy_and_serve_traffic(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, haproxy = world
    await deploy(kubesim.clusters["sync-a"], replicas=3)
    await deploy(kubesim.clusters["sync-b"], replicas=2)

    async def five() -> bool:
        return len(await ready_servers(engine.haproxy)) == 5

    await until(five)
    assert len(await ready_servers(engine.haproxy, "sync-a.")) == 3
    pods: Counter[str] = Counter()
    async with httpx.AsyncClient(timeout=3) as http:
        for _ in range(40):
            r = await http.get(
                f"http://127.0.0.1:{haproxy.port}/", headers={"x-flotilla-app": BACKEND}
            )
            pods[r.json()["cluster"] + "/" + r.json()["pod"]] += 1
    assert len(pods) == 5  # every pod of both clusters got traffic


async def test_rolling_update_at_100_rps_fails_no_request(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, haproxy = world
    cluster = kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=10)

    async def ten() -> bool:
        return len(await ready_servers(engine.haproxy)) == 10

    await until(ten, timeout_s=30)
    stop = asyncio.Event()
    load = asyncio.create_task(traffic(haproxy, stop))
    async with await api_client(cluster.connection()) as api:
        apps = client.AppsV1Api(api)
        await apps.patch_namespaced_deployment(
            "web",
            "default",
            {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:2"}]}}}},
        )

        async def rolled() -> bool:
            d = await apps.read_namespaced_deployment("web", "default")
            s = d.status
            return bool(
                d.metadata.generation == s.observed_generation
                and s.updated_replicas == 10
                and s.replicas == 10
                and s.available_replicas == 10
            )

        await until(rolled, timeout_s=60)
        core = client.CoreV1Api(api)
        pods = (await core.list_namespaced_pod("default", label_selector="app=web")).items
        want = {
            f"sync-a.default.{p.metadata.name}" for p in pods if not p.metadata.deletion_timestamp
        }

    async def converged() -> bool:
        return {s.name for s in await engine.haproxy.servers(BACKEND)} == want

    await until(converged, timeout_s=20)
    stop.set()
    seen = await load
    assert seen["ok"] > 200
    assert set(seen) == {"ok"}, f"failed requests during the rollout: {seen}"


async def test_an_unreachable_cluster_keeps_its_servers(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, _ = world
    await deploy(kubesim.clusters["sync-a"], replicas=2)
    await deploy(kubesim.clusters["sync-b"], replicas=2)

    async def four() -> bool:
        return len(await ready_servers(engine.haproxy)) == 4

    await until(four)
    chaos = kubesim.clusters["sync-b"]
    context = ssl.create_default_context(cafile=chaos.ca_file)
    async with httpx.AsyncClient(verify=context) as http:
        await http.post(f"{chaos.url}/_kubesim/outage", json={"mode": "refuse", "seconds": 3})
    await asyncio.sleep(2.0)  # several reconcile passes while sync-b is unreachable
    assert engine.views["sync-b"].stale
    assert len(await ready_servers(engine.haproxy, "sync-b.")) == 2
    await asyncio.sleep(2.5)
    await until(lambda: _watching(engine, "sync-b"))
    assert len(await ready_servers(engine.haproxy)) == 4


async def _watching(engine: IngressSync, cluster: str) -> bool:
    return not engine.views[cluster].stale


async def test_haproxy_restart_is_repaired(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, haproxy = world
    await deploy(kubesim.clusters["sync-a"], replicas=3)

    async def three() -> bool:
        return len(await ready_servers(engine.haproxy)) == 3

    await until(three)
    await asyncio.to_thread(haproxy.restart)
    await until(three, timeout_s=10)


async def test_an_unreachable_ingress_is_reported_once_and_retried(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, haproxy = world
    failures: list[tuple[str, str]] = []

    async def record(backend: str, reason: str) -> None:
        failures.append((backend, reason))

    engine.on_failed = record
    await asyncio.to_thread(haproxy.stop)
    await deploy(kubesim.clusters["sync-a"], replicas=2)
    await asyncio.sleep(2.0)  # several passes fail meanwhile
    assert [b for b, _ in failures] == [BACKEND]  # reported once, not on every retry
    assert "runtime API" in failures[0][1]
    await asyncio.to_thread(haproxy.start)

    async def two() -> bool:
        return len(await ready_servers(engine.haproxy)) == 2

    await until(two, timeout_s=10)
    assert BACKEND not in engine.failures


async def live_pods(api: client.ApiClient, selector: str = "app=web") -> set[str]:
    pods = await client.CoreV1Api(api).list_namespaced_pod("default", label_selector=selector)
    return {p.metadata.name for p in pods.items if not p.metadata.deletion_timestamp}


async def served_exactly(driver: HAProxyRuntime, cluster: str, pods: set[str]) -> bool:
    return {s.name for s in await driver.servers(BACKEND)} == {
        f"{cluster}.default.{p}" for p in pods
    }


async def test_scale_up_down_and_pod_isolation(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, _ = world
    cluster = kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=3)
    async with await api_client(cluster.connection()) as api:
        apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
        for replicas in (5, 2):
            await apps.patch_namespaced_deployment_scale(
                "web", "default", {"spec": {"replicas": replicas}}
            )

            async def scaled(n: int = replicas) -> bool:
                pods = await live_pods(api)
                return len(pods) == n and await served_exactly(engine.haproxy, "sync-a", pods)

            await until(scaled, timeout_s=20)

        # Isolate a pod: it leaves its ReplicaSet and the Service; a replacement takes its place.
        victim = sorted(await live_pods(api))[0]
        await core.patch_namespaced_pod(
            victim,
            "default",
            {"metadata": {"labels": {"app": None, "flotilla.io/isolated": "true"}}},
        )

        async def replaced() -> bool:
            pods = await live_pods(api)
            return (
                victim not in pods
                and len(pods) == 2
                and await served_exactly(engine.haproxy, "sync-a", pods)
            )

        await until(replaced, timeout_s=20)
        kept: Any = (await core.read_namespaced_pod(victim, "default")).metadata
        assert kept.deletion_timestamp is None  # kept for the post-mortem
        assert not kept.owner_references


async def test_watch_expiry_relists_and_catches_up(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, _ = world
    cluster = kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=2)
    async with await api_client(cluster.connection()) as api:

        async def two() -> bool:
            pods = await live_pods(api)
            return len(pods) == 2 and await served_exactly(engine.haproxy, "sync-a", pods)

        await until(two)
        informer = engine.views["sync-a"].informer
        assert informer is not None
        relists = informer.health.relists
        context = ssl.create_default_context(cafile=cluster.ca_file)
        async with httpx.AsyncClient(verify=context) as http:
            # Compaction, then the watch is cut: its resume from the old version gets 410.
            r = await http.post(f"{cluster.url}/_kubesim/compact")
            assert r.status_code == 200, r.text
            r = await http.post(f"{cluster.url}/_kubesim/watches", json={"action": "close"})
            assert r.status_code == 200, r.text
        await client.AppsV1Api(api).patch_namespaced_deployment_scale(
            "web", "default", {"spec": {"replicas": 4}}
        )

        async def four() -> bool:
            pods = await live_pods(api)
            return len(pods) == 4 and await served_exactly(engine.haproxy, "sync-a", pods)

        await until(four, timeout_s=20)
        assert informer.health.relists > relists
        assert informer.health.state == "watching"


async def test_service_weight_label_reaches_haproxy(
    world: tuple[KubesimProcess, HAProxyProcess], engine: IngressSync
) -> None:
    kubesim, _ = world
    cluster = kubesim.clusters["sync-b"]
    await deploy(cluster, replicas=2)

    async def weights(want: int) -> bool:
        servers = await engine.haproxy.servers(BACKEND)
        return len(servers) == 2 and all(s.weight == want for s in servers)

    await until(lambda: weights(100))
    async with await api_client(cluster.connection()) as api:
        await client.CoreV1Api(api).patch_namespaced_service(
            "web", "default", {"metadata": {"labels": {"flotilla.io/weight": "30"}}}
        )
    await until(lambda: weights(30), timeout_s=10)
