"""The sync engine end to end: kubesim (real pod listeners) → k8s-sync → two real HAProxy
instances in master-worker mode → traffic, by Host and by header."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.haproxy import HAProxyProcess, count_answers
from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.kube import api_client
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.sync.routes import DomainTemplates
from k8s_sync.workers.ingress_sync import IngressSync

from .ingress_helpers import instance_for

pytestmark = pytest.mark.integration
BACKEND = "web.prod"
HOST = "web.prod.apps.test"


@dataclass
class World:
    kubesim: KubesimProcess
    a: HAProxyProcess
    b: HAProxyProcess


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
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


@pytest.fixture
async def engine(world: World) -> AsyncIterator[IngressSync]:
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


async def test_pods_appear_in_both_instances_by_host_and_by_header(
    world: World, engine: IngressSync
) -> None:
    await deploy(world.kubesim.clusters["sync-a"], replicas=3)
    await deploy(world.kubesim.clusters["sync-b"], replicas=2)
    await until(lambda: everywhere(engine, 5))
    for haproxy in (world.a, world.b):
        for headers in ({"host": HOST}, {"host": "other.example", "x-flotilla-app": BACKEND}):
            pods: Counter[str] = Counter()
            async with httpx.AsyncClient(timeout=3) as http:
                for _ in range(40):
                    r = await http.get(f"http://127.0.0.1:{haproxy.port}/", headers=headers)
                    assert r.status_code == 200, r.text
                    pods[r.json()["cluster"] + "/" + r.json()["pod"]] += 1
            assert len(pods) == 5  # every pod of both clusters got traffic
    async with httpx.AsyncClient(timeout=3) as http:
        r = await http.get(f"http://127.0.0.1:{world.a.port}/", headers={"host": "nope.test"})
    assert r.status_code == 404
    assert r.json()["title"] == "No application is routed here"


async def test_rolling_update_at_100_rps_fails_no_request(
    world: World, engine: IngressSync
) -> None:
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=10)
    await until(lambda: everywhere(engine, 10), timeout_s=30)
    stop = asyncio.Event()
    loads = [asyncio.create_task(traffic(h, stop)) for h in (world.a, world.b)]
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
        want = {f"sync-a/{p}" for p in await live_pods(api)}

    async def converged() -> bool:
        return all([await served(engine, i) == want for i in engine.instances])

    await until(converged, timeout_s=20)
    stop.set()
    for load in loads:
        seen = await load
        assert seen["ok"] > 200
        assert set(seen) == {"ok"}, f"failed requests during the rollout: {seen}"


async def test_an_unreachable_cluster_keeps_its_servers(world: World, engine: IngressSync) -> None:
    await deploy(world.kubesim.clusters["sync-a"], replicas=2)
    await deploy(world.kubesim.clusters["sync-b"], replicas=2)
    await until(lambda: everywhere(engine, 4))
    chaos = world.kubesim.clusters["sync-b"]
    context = ssl.create_default_context(cafile=chaos.ca_file)
    async with httpx.AsyncClient(verify=context) as http:
        await http.post(f"{chaos.url}/_kubesim/outage", json={"mode": "refuse", "seconds": 3})
    await asyncio.sleep(2.0)  # several reconcile passes while sync-b is unreachable
    assert engine.views["sync-b"].stale
    for instance in engine.instances:
        assert len({p for p in await served(engine, instance) if p.startswith("sync-b/")}) == 2
    await asyncio.sleep(2.5)
    await until(lambda: _watching(engine, "sync-b"))
    assert await everywhere(engine, 4)


async def _watching(engine: IngressSync, cluster: str) -> bool:
    return not engine.views[cluster].stale


async def test_a_restarted_instance_is_refilled(world: World, engine: IngressSync) -> None:
    await deploy(world.kubesim.clusters["sync-a"], replicas=3)
    await until(lambda: everywhere(engine, 3))
    await asyncio.to_thread(world.b.restart)  # a cold start: HAProxy forgets every slot
    await until(lambda: everywhere(engine, 3), timeout_s=10)


async def test_an_instance_down_does_not_slow_the_other_and_is_repaired(
    world: World, engine: IngressSync
) -> None:
    a, b = engine.instances
    failures: list[tuple[str, str]] = []

    async def record(instance: IngressInstance, backend: str, reason: str) -> None:
        failures.append((instance.ingress, backend))

    a.on_failed = b.on_failed = record
    await until(lambda: _up(b))
    await asyncio.to_thread(world.b.kill)  # SIGKILL: gone mid-whatever
    loop = asyncio.get_running_loop()
    started = loop.time()
    await deploy(world.kubesim.clusters["sync-a"], replicas=2)
    await until(lambda: _served_by(engine, a, 2))
    took = loop.time() - started  # the new app's reload and fill on `a`, `b` being dead
    await asyncio.sleep(1.5)  # b's checks time out meanwhile
    assert not b.up
    assert failures == []  # an instance that is down is not an application's failure
    await asyncio.to_thread(world.b.start)
    await until(lambda: _served_by(engine, b, 2), timeout_s=15)
    assert took < 5, f"instance a took {took:.1f} s while b was down"


async def _up(instance: IngressInstance) -> bool:
    return instance.up and instance.running is not None


async def _served_by(engine: IngressSync, instance: IngressInstance, n: int) -> bool:
    return len(await served(engine, instance)) == n


async def live_pods(api: client.ApiClient, selector: str = "app=web") -> set[str]:
    pods = await client.CoreV1Api(api).list_namespaced_pod("default", label_selector=selector)
    return {p.metadata.name for p in pods.items if not p.metadata.deletion_timestamp}


async def test_scale_up_down_and_pod_isolation(world: World, engine: IngressSync) -> None:
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=3)
    async with await api_client(cluster.connection()) as api:
        apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
        for replicas in (5, 2):
            await apps.patch_namespaced_deployment_scale(
                "web", "default", {"spec": {"replicas": replicas}}
            )

            async def scaled(n: int = replicas) -> bool:
                pods = {f"sync-a/{p}" for p in await live_pods(api)}
                return len(pods) == n and all(
                    [await served(engine, i) == pods for i in engine.instances]
                )

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
            named = {f"sync-a/{p}" for p in pods}
            return (
                victim not in pods
                and len(pods) == 2
                and all([await served(engine, i) == named for i in engine.instances])
            )

        await until(replaced, timeout_s=20)
        kept: Any = (await core.read_namespaced_pod(victim, "default")).metadata
        assert kept.deletion_timestamp is None  # kept for the post-mortem
        assert not kept.owner_references


async def test_scale_beyond_the_slots_resizes_with_one_reload(
    world: World, engine: IngressSync
) -> None:
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=3)
    await until(lambda: everywhere(engine, 3))
    a = engine.instances[0]
    assert a.running is not None
    slots, generation = a.running.layout.backends[BACKEND], a.running.number
    assert slots == 8
    async with await api_client(cluster.connection()) as api:
        await client.AppsV1Api(api).patch_namespaced_deployment_scale(
            "web", "default", {"spec": {"replicas": 13}}
        )
        await until(lambda: everywhere(engine, 13), timeout_s=30)
        assert {p.split("/")[1] for p in await served(engine, a)} == await live_pods(api)
    assert a.running.number == generation + 1  # one reload
    assert a.running.layout.backends[BACKEND] == 32  # 13 × headroom 2, rounded up to 8s
    assert a.last_reload is not None
    assert "resized: web.prod 8→32" in a.last_reload.reason


async def test_twenty_new_apps_cost_at_most_two_reloads_and_fail_no_request(
    world: World, engine: IngressSync
) -> None:
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=3)
    await until(lambda: everywhere(engine, 3))
    before = {i.ingress: i.running.number for i in engine.instances if i.running}
    stop = asyncio.Event()
    loads = [asyncio.create_task(traffic(h, stop)) for h in (world.a, world.b)]
    await asyncio.sleep(0.5)
    await asyncio.gather(*(deploy(cluster, replicas=1, app=f"new{n:02d}") for n in range(20)))

    async def all_answer() -> bool:
        for haproxy in (world.a, world.b):
            async with httpx.AsyncClient(timeout=3) as http:
                for n in range(20):
                    r = await http.get(
                        f"http://127.0.0.1:{haproxy.port}/",
                        headers={"host": f"new{n:02d}.prod.apps.test"},
                    )
                    if r.status_code != 200 or r.json()["pod"].split("-")[0] != f"new{n:02d}":
                        return False
        return True

    await until(all_answer, timeout_s=30)
    await asyncio.sleep(1.5)  # the old workers finish meanwhile, under traffic
    stop.set()
    for load in loads:
        seen = await load
        assert seen["ok"] > 100
        assert set(seen) == {"ok"}, f"failed requests to the existing app: {seen}"
    for instance in engine.instances:
        assert instance.running is not None
        reloads = instance.running.number - before[instance.ingress]
        assert 1 <= reloads <= 2, f"{instance.ingress}: {reloads} reloads for 20 new apps"
        assert len(instance.running.layout.backends) == 21


async def test_gray_pods_are_reached_on_purpose_by_header(
    world: World, engine: IngressSync
) -> None:
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=2)
    await until(lambda: everywhere(engine, 2))
    async with await api_client(cluster.connection()) as api:
        service, deployment = manifests("web", 1, stage="gray")
        service["metadata"]["labels"]["flotilla.io/weight"] = "0"  # only by header
        await client.CoreV1Api(api).create_namespaced_service("default", service)
        await client.AppsV1Api(api).create_namespaced_deployment("default", deployment)
        await until(lambda: everywhere(engine, 1, "web.prod:gray"))
        gray = await live_pods(api, "stage=gray")

        async def stages(**headers: str) -> set[str]:
            seen = set()
            async with httpx.AsyncClient(timeout=3) as http:
                for _ in range(20):
                    r = await http.get(f"http://127.0.0.1:{world.b.port}/", headers=headers)
                    assert r.status_code == 200, r.text
                    seen.add("gray" if r.json()["pod"] in gray else "stable")
            return seen

        assert await stages(host=HOST) == {"stable"}
        assert await stages(host=HOST, **{"x-flotilla-stage": "gray"}) == {"gray"}
        assert await stages(**{"x-flotilla-app": BACKEND, "x-flotilla-stage": "gray"}) == {"gray"}
        await client.AppsV1Api(api).delete_namespaced_deployment("web-gray", "default")
        await client.CoreV1Api(api).delete_namespaced_service("web-gray", "default")
        await until(lambda: everywhere(engine, 0, "web.prod:gray"), timeout_s=20)
        # No gray stage any more: the header falls back to the stable pods, not to an error.
        assert await stages(host=HOST, **{"x-flotilla-stage": "gray"}) == {"stable"}


async def test_an_invalid_render_is_refused_and_the_last_good_keeps_serving(
    world: World, engine: IngressSync
) -> None:
    await deploy(world.kubesim.clusters["sync-a"], replicas=2)
    await until(lambda: everywhere(engine, 2))
    a = engine.instances[0]
    assert a.running is not None
    good = a.running.number
    failures: list[str] = []

    async def record(instance: IngressInstance, backend: str, reason: str) -> None:
        failures.append(backend)

    a.on_failed = record
    # An operator's mistake HAProxy only finds when it parses the file: a port out of range.
    a.paths = dataclasses.replace(a.paths, bind="127.0.0.1:99999")
    await deploy(world.kubesim.clusters["sync-a"], replicas=1, app="late")
    await until(lambda: _reload_outcome(a, "invalid"))
    assert a.last_reload is not None
    assert "invalid port" in str(a.last_reload.error)
    assert a.running.number == good  # still running the last good generation
    assert failures == ["late.prod"]  # reported for the app that could not get its route
    stop = asyncio.Event()
    load = asyncio.create_task(traffic(world.a, stop))
    await asyncio.sleep(1.0)
    stop.set()
    assert set(await load) == {"ok"}
    assert await _served_by(engine, engine.instances[1], 2)  # the other instance is unaffected
    assert engine.instances[1].has_backend("late.prod")


async def _reload_outcome(instance: IngressInstance, outcome: str) -> bool:
    return instance.last_reload is not None and instance.last_reload.outcome == outcome


async def test_watch_expiry_relists_and_catches_up(world: World, engine: IngressSync) -> None:
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=2)
    async with await api_client(cluster.connection()) as api:

        async def exactly(n: int) -> bool:
            pods = {f"sync-a/{p}" for p in await live_pods(api)}
            return len(pods) == n and all(
                [await served(engine, i) == pods for i in engine.instances]
            )

        await until(lambda: exactly(2))
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
        await until(lambda: exactly(4), timeout_s=20)
        assert informer.health.relists > relists
        assert informer.health.state == "watching"


async def test_service_weight_label_reaches_haproxy(world: World, engine: IngressSync) -> None:
    cluster = world.kubesim.clusters["sync-b"]
    await deploy(cluster, replicas=2)

    async def weights(want: int) -> bool:
        for instance in engine.instances:
            if not instance.has_backend(BACKEND):
                return False
            servers = [s for s in await instance.runtime.servers(BACKEND) if s.state == "ready"]
            if len(servers) != 2 or any(s.weight != want for s in servers):
                return False
        return True

    await until(lambda: weights(100))
    async with await api_client(cluster.connection()) as api:
        await client.CoreV1Api(api).patch_namespaced_service(
            "web", "default", {"metadata": {"labels": {"flotilla.io/weight": "30"}}}
        )
    await until(lambda: weights(30), timeout_s=10)


async def test_a_service_switching_pods_refills_the_slots_it_frees(
    world: World, engine: IngressSync
) -> None:
    """Blue-green's switch with 6 of 8 slots in use: 2 new pods fit at once, the other 4 take
    the slots the old pods leave once drained — without waiting for a reload."""
    cluster = world.kubesim.clusters["sync-a"]
    await deploy(cluster, replicas=6)
    await until(lambda: everywhere(engine, 6))
    async with await api_client(cluster.connection()) as api:
        _, blue = manifests("web", 6, stage="blue")
        await client.AppsV1Api(api).create_namespaced_deployment("default", blue)
        blue_pods = await _ready_pods(api, "stage=blue", 6)
        await client.CoreV1Api(api).patch_namespaced_service(
            "web", "default", {"spec": {"selector": {"app": "web", "stage": "blue"}}}
        )

        async def switched() -> bool:
            want = {f"sync-a/{p}" for p in blue_pods}
            return all([await served(engine, i) == want for i in engine.instances])

        await until(switched, timeout_s=20)
    a = engine.instances[0]
    assert a.running is not None
    assert a.running.layout.backends[BACKEND] == 8  # no resize was needed


async def _ready_pods(api: client.ApiClient, selector: str, n: int) -> set[str]:
    async def ready() -> bool:
        pods = await client.CoreV1Api(api).list_namespaced_pod("default", label_selector=selector)
        return (
            sum(
                1
                for p in pods.items
                if any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
            )
            == n
        )

    await until(ready, timeout_s=20)
    return await live_pods(api, selector)
