"""The sync engine end to end (tests/engine_world.py): routes by Host and header, rolling updates
without a failed request, unreachable clusters, instances down and restarted, scaling."""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.socketcut import SocketCutter
from flotilla_runtime.kube import api_client
from flotilla_runtime.registry import EnvironmentPlacement, RegisteredEnvironment
from k8s_sync.ingress.haproxy import HAProxyRuntime
from k8s_sync.ingress.instance import IngressInstance, InstanceTuning
from k8s_sync.ingress.master import MasterCLI
from k8s_sync.settings import IngressInstanceSettings
from k8s_sync.status.endpoints import following
from k8s_sync.sync.routes import DomainTemplates
from k8s_sync.workers.ingress_sync import IngressSync

from .engine_world import (  # noqa: F401 (world_fixture, engine_fixture: fixtures)
    BACKEND,
    HOST,
    World,
    deploy,
    engine_fixture,
    everywhere,
    live_pods,
    served,
    served_by,
    start_engine,
    traffic,
    until,
    world_fixture,
)
from .ingress_helpers import instance_for

pytestmark = pytest.mark.integration


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
    await until(lambda: served_by(engine, a, 2))
    took = loop.time() - started  # the new app's reload and fill on `a`, `b` being dead
    await asyncio.sleep(1.5)  # b's checks time out meanwhile
    assert not b.up
    assert failures == []  # an instance that is down is not an application's failure
    await asyncio.to_thread(world.b.start)
    await until(lambda: served_by(engine, b, 2), timeout_s=15)
    assert took < 5, f"instance a took {took:.1f} s while b was down"


async def _up(instance: IngressInstance) -> bool:
    return instance.up and instance.running is not None


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


async def test_a_restarted_engine_removes_no_route_before_it_has_read_them_all(
    world: World,
) -> None:
    """k8s-sync starts again (a crash, a deploy) in front of HAProxy instances that serve:
    until it has the cluster list, the environments and every cluster's Services, it removes
    no route or backend it does not know yet, so not one request fails meanwhile (before: the
    first pass synced the maps from an empty route table, and every app answered 404)."""
    cluster = world.kubesim.clusters["sync-a"]
    first, first_tasks = await start_engine(world)
    await deploy(cluster, replicas=2)
    await until(lambda: everywhere(first, 2))
    stop = asyncio.Event()
    load = asyncio.create_task(traffic(world.a, stop))
    await asyncio.sleep(0.5)
    for task in first_tasks:  # the engine dies, as a replica that is killed
        task.cancel()
    await asyncio.gather(*first_tasks, return_exceptions=True)
    instances = [instance_for(h, reconcile_s=0.5, drift_check_s=2.0) for h in (world.a, world.b)]
    restarted = IngressSync(
        instances, templates=DomainTemplates({"*": "{app}.{env}.apps.test"}), placements={}
    )
    tasks = [asyncio.create_task(i.run()) for i in instances]
    tasks.append(asyncio.create_task(restarted.run()))
    try:
        await asyncio.sleep(2.0)  # instances up, nothing read from the registry yet
        assert not restarted.routes_complete
        await restarted.set_placements([env_prod(cluster.name)])
        await restarted.set_clusters([cluster.connection()])
        await until(lambda: _complete(restarted))
        await until(lambda: everywhere(restarted, 2))
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        seen = await load
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert set(seen) == {"ok"}, seen
    assert seen["ok"] > 200


def env_prod(cluster: str) -> RegisteredEnvironment:
    return RegisteredEnvironment(
        name="prod", clusters=[EnvironmentPlacement(cluster=cluster, namespace="default")]
    )


async def _complete(engine: IngressSync) -> bool:
    return engine.routes_complete


async def test_an_instance_whose_runtime_api_fails_while_it_serves_is_blocked(
    world: World, tmp_path: Path
) -> None:
    """Its runtime API breaks every batch while HAProxy keeps serving (its master answers):
    the instance is blocked, and `following` says so for every cluster, so release-api holds
    rollouts that would replace pods under it; once a batch goes through it is not."""
    cutter = SocketCutter(tmp_path / "cut.sock", world.a.socket)
    cutter.start()
    settings = IngressInstanceSettings.model_validate(
        {**world.a.ingress_settings(), "runtime_connect": str(cutter.listen)}
    )
    a = IngressInstance(
        world.a.name,
        settings.paths(),
        runtime=HAProxyRuntime(settings.runtime_address),
        master=MasterCLI(str(world.a.master_socket)),
        tuning=InstanceTuning(reconcile_s=0.5, drift_check_s=2.0),
    )
    cluster = world.kubesim.clusters["sync-a"]
    engine = IngressSync(
        [a], [cluster.connection()], templates=DomainTemplates({"*": "{app}.{env}.apps.test"})
    )
    tasks = [asyncio.create_task(engine.run()), asyncio.create_task(a.run())]
    try:
        await deploy(cluster, replicas=2)
        await until(lambda: served_by(engine, a, 2))
        assert (await following("web", "prod", engine, None)).clusters == {"sync-a": []}  # type: ignore[arg-type]
        cutter.arm(1000)
        async with await api_client(cluster.connection()) as api:
            await client.AppsV1Api(api).patch_namespaced_deployment_scale(
                "web", "default", {"spec": {"replicas": 3}}
            )
        await until(lambda: _blocked(a), timeout_s=10)
        answer = await following("web", "prod", engine, None)  # type: ignore[arg-type]
        assert "changes do not reach it while it serves" in " ".join(answer.clusters["sync-a"])
        cutter.arm(0)
        await until(lambda: served_by(engine, a, 3), timeout_s=15)
        await until(lambda: _unblocked(a), timeout_s=10)
        assert (await following("web", "prod", engine, None)).clusters == {"sync-a": []}  # type: ignore[arg-type]
        assert cutter.cuts > 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        cutter.stop()


async def _blocked(instance: IngressInstance) -> bool:
    return instance.blocked is not None


async def _unblocked(instance: IngressInstance) -> bool:
    return instance.blocked is None
