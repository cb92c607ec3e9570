"""The sync engine end to end (tests/engine_world.py): reloads — slots resized, a burst of new
apps, gray routes, an invalid render refused — and watch expiry, weights, Services switching."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_runtime.kube import api_client
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.workers.ingress_sync import IngressSync

from .engine_world import (  # noqa: F401 (world_fixture, engine_fixture: fixtures)
    BACKEND,
    HOST,
    World,
    deploy,
    engine_fixture,
    everywhere,
    live_pods,
    manifests,
    served,
    served_by,
    traffic,
    until,
    world_fixture,
)

pytestmark = pytest.mark.integration


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
    assert await served_by(engine, engine.instances[1], 2)  # the other instance is unaffected
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
