"""Simulated controllers: rollouts, scale, rollback, isolation, endpoints, scheduling."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from kubernetes_asyncio import client

from .workloads import deployment, service, until, wait_rolled_out


async def pods_of(core: client.CoreV1Api, namespace: str, app: str) -> list[client.V1Pod]:
    return (await core.list_namespaced_pod(namespace, label_selector=f"app={app}")).items


async def test_rollout_scale_and_rollback(api: client.ApiClient, namespace: str) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    await apps.create_namespaced_deployment(namespace, deployment("web", replicas=3))
    d = await wait_rolled_out(apps, "web", namespace)
    assert d.status.ready_replicas == 3
    assert {c.type: c.reason for c in d.status.conditions}[
        "Progressing"
    ] == "NewReplicaSetAvailable"
    first_rs = {
        rs.metadata.name for rs in (await apps.list_namespaced_replica_set(namespace)).items
    }

    await apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 5}})
    d = await wait_rolled_out(apps, "web", namespace)
    assert d.status.available_replicas == 5
    assert len(await pods_of(core, namespace, "web")) == 5

    await apps.patch_namespaced_deployment(
        "web",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}},
    )
    d = await wait_rolled_out(apps, "web", namespace)
    await until(lambda: _only_image(core, namespace, "app:2"), what="old pods gone")
    assert d.status.observed_generation == d.metadata.generation == 3

    # Rollback: the template goes back, and the first ReplicaSet is reused.
    await apps.patch_namespaced_deployment(
        "web",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:1"}]}}}},
    )
    await wait_rolled_out(apps, "web", namespace)
    await until(lambda: _only_image(core, namespace, "app:1"), what="rolled back pods")
    replica_sets = (await apps.list_namespaced_replica_set(namespace)).items
    assert len(replica_sets) == 2
    active = [rs for rs in replica_sets if rs.spec.replicas == 5]
    assert {active[0].metadata.name} == first_rs
    assert active[0].metadata.annotations["deployment.kubernetes.io/revision"] == "3"


async def _only_image(core: client.CoreV1Api, namespace: str, image: str) -> bool:
    pods = await core.list_namespaced_pod(namespace)
    return bool(pods.items) and all(p.spec.containers[0].image == image for p in pods.items)


async def test_rolling_update_takes_the_time_the_real_one_would(
    api: client.ApiClient, namespace: str
) -> None:
    """10 replicas, maxSurge 25% (3) and maxUnavailable 25% (2), each pod ready after d:
    the controller moves at most surge + unavailable = 5 pods per wave, so the rollout needs
    ceil(10 / 5) = 2 waves of d seconds."""
    d_s, replicas = 1.0, 10
    apps = client.AppsV1Api(api)
    await apps.create_namespaced_deployment(
        namespace, deployment("timed", replicas=replicas, ready_after=d_s)
    )
    await wait_rolled_out(apps, "timed", namespace)
    surge, unavailable = math.ceil(replicas * 0.25), math.floor(replicas * 0.25)
    waves = math.ceil(replicas / (surge + unavailable))
    loop = asyncio.get_running_loop()
    start = loop.time()
    await apps.patch_namespaced_deployment(
        "timed",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}},
    )
    await wait_rolled_out(apps, "timed", namespace, timeout_s=30)
    elapsed = loop.time() - start
    assert waves * d_s <= elapsed < waves * d_s + 1.5, f"{elapsed:.2f} s for {waves} waves"


async def test_recreate_stops_every_old_pod_first(api: client.ApiClient, namespace: str) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    await apps.create_namespaced_deployment(
        namespace, deployment("rc", replicas=3, strategy={"type": "Recreate"})
    )
    await wait_rolled_out(apps, "rc", namespace)
    images_seen: set[frozenset[str]] = set()
    stop = asyncio.Event()

    async def observe() -> None:
        while not stop.is_set():
            pods = await pods_of(core, namespace, "rc")
            images_seen.add(frozenset(p.spec.containers[0].image for p in pods))
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(observe())
    await apps.patch_namespaced_deployment(
        "rc",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}},
    )
    await wait_rolled_out(apps, "rc", namespace)
    stop.set()
    await watcher
    assert frozenset({"app:1", "app:2"}) not in images_seen  # never both at once


async def test_isolating_a_pod_by_relabel_releases_and_replaces_it(
    api: client.ApiClient, namespace: str
) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    await apps.create_namespaced_deployment(namespace, deployment("iso", replicas=2))
    await wait_rolled_out(apps, "iso", namespace)
    victim = (await pods_of(core, namespace, "iso"))[0].metadata.name
    await core.patch_namespaced_pod(
        victim,
        namespace,
        {"metadata": {"labels": {"app": "iso-isolated", "flotilla.io/isolated": "true"}}},
    )

    async def replaced() -> bool:
        return len(await pods_of(core, namespace, "iso")) == 2

    await until(replaced, what="a replacement pod")
    isolated = await core.read_namespaced_pod(victim, namespace)
    assert not isolated.metadata.owner_references
    assert isolated.status.phase == "Running"
    await wait_rolled_out(apps, "iso", namespace)


async def test_endpoint_slices_follow_readiness_and_termination(
    api: client.ApiClient, namespace: str
) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    discovery = client.DiscoveryV1Api(api)
    await core.create_namespaced_service(namespace, service("ep"))
    await apps.create_namespaced_deployment(
        namespace,
        deployment("ep", replicas=2, annotations={"kubesim.flotilla.io/pre-stop-seconds": "1"}),
    )
    await wait_rolled_out(apps, "ep", namespace)

    async def slice_endpoints() -> list[client.V1Endpoint]:
        slices = await discovery.list_namespaced_endpoint_slice(
            namespace, label_selector="kubernetes.io/service-name=ep"
        )
        assert len(slices.items) == 1
        assert slices.items[0].ports[0].port == 8080  # the named targetPort, resolved
        assert slices.items[0].metadata.labels["team"] == "ep-team"  # copied from the Service
        return slices.items[0].endpoints or []

    async def two_ready() -> bool:
        return sum(1 for e in await slice_endpoints() if e.conditions.ready) == 2

    await until(two_ready, what="two ready endpoints")
    pods = await pods_of(core, namespace, "ep")
    assert {e.addresses[0] for e in await slice_endpoints()} == {p.status.pod_ip for p in pods}
    assert all(p.status.pod_ip.startswith("127.") for p in pods)
    doomed = pods[0].metadata.name
    await core.delete_namespaced_pod(doomed, namespace)

    async def terminating() -> bool:
        for e in await slice_endpoints():
            if e.target_ref.name == doomed:
                return e.conditions.terminating and not e.conditions.ready
        return False

    await until(terminating, what="the deleted pod to show as terminating")
    endpoints = await core.read_namespaced_endpoints("ep", namespace)
    listed = {a.target_ref.name for s in endpoints.subsets or [] for a in s.addresses or []}
    assert doomed not in listed

    async def gone() -> bool:
        return all(e.target_ref.name != doomed for e in await slice_endpoints())

    await until(gone, what="the pod to leave after its preStop", timeout_s=5)


async def test_scheduler_respects_cordon_selectors_and_capacity(
    api: client.ApiClient, namespace: str
) -> None:
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    nodes = sorted(n.metadata.name for n in (await core.list_node()).items)
    target = nodes[0]
    await core.patch_node(target, {"metadata": {"labels": {"pool": namespace}}})
    try:
        await apps.create_namespaced_deployment(
            namespace, deployment("sel", replicas=3, node_selector={"pool": namespace})
        )
        await wait_rolled_out(apps, "sel", namespace)
        assert {p.spec.node_name for p in await pods_of(core, namespace, "sel")} == {target}

        # Asking for more CPU than any node has leaves the pod Pending and says why.
        await apps.create_namespaced_deployment(namespace, deployment("huge", replicas=1, cpu="64"))

        async def unschedulable() -> bool:
            pods = await pods_of(core, namespace, "huge")
            return bool(pods) and any(
                c.reason == "Unschedulable" for c in pods[0].status.conditions or []
            )

        await until(unschedulable, what="an Unschedulable pod")

        await core.patch_node(target, {"spec": {"unschedulable": True}})
        await apps.patch_namespaced_deployment_scale("sel", namespace, {"spec": {"replicas": 4}})
        await asyncio.sleep(0.5)
        pending = [p for p in await pods_of(core, namespace, "sel") if not p.spec.node_name]
        assert len(pending) == 1  # the only matching node is cordoned
    finally:
        await core.patch_node(
            target, {"metadata": {"labels": {"pool": None}}, "spec": {"unschedulable": None}}
        )


async def test_pause_and_progress_deadline(api: client.ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api)
    await apps.create_namespaced_deployment(namespace, deployment("pz", replicas=2))
    await wait_rolled_out(apps, "pz", namespace)
    await apps.patch_namespaced_deployment("pz", namespace, {"spec": {"paused": True}})
    await apps.patch_namespaced_deployment(
        "pz",
        namespace,
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}},
    )
    await asyncio.sleep(0.5)
    replica_sets = (await apps.list_namespaced_replica_set(namespace)).items
    assert len(replica_sets) == 1  # paused: no new ReplicaSet
    # ... but it scales, as a real one does (the deployment controller's sync())
    await apps.patch_namespaced_deployment("pz", namespace, {"spec": {"replicas": 0}})

    async def scaled_to(n: int) -> bool:
        (rs,) = (await apps.list_namespaced_replica_set(namespace)).items
        return bool(rs.spec.replicas == n)

    await until(lambda: scaled_to(0), what="the paused Deployment scaled to 0")
    await apps.patch_namespaced_deployment("pz", namespace, {"spec": {"replicas": 2}})
    await until(lambda: scaled_to(2), what="the paused Deployment scaled to 2")
    await apps.patch_namespaced_deployment("pz", namespace, {"spec": {"paused": False}})
    await wait_rolled_out(apps, "pz", namespace)

    # A rollout whose pods never become ready exceeds its progress deadline.
    never = deployment("stuck", replicas=1, annotations={"kubesim.flotilla.io/fault": "NeverReady"})
    never["spec"]["progressDeadlineSeconds"] = 1
    await apps.create_namespaced_deployment(namespace, never)

    async def exceeded() -> bool:
        d = await apps.read_namespaced_deployment("stuck", namespace)
        return any(
            c.type == "Progressing"
            and c.reason == "ProgressDeadlineExceeded"
            and c.status == "False"
            for c in d.status.conditions or []
        )

    await until(exceeded, timeout_s=6, what="ProgressDeadlineExceeded")


async def test_post_start_delays_readiness_and_grace_caps_pre_stop(
    api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    pod: Any = {
        "metadata": {
            "name": "hooks",
            "annotations": {"kubesim.flotilla.io/ready-after-seconds": "0"},
        },
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {
                    "name": "app",
                    "image": "app:1",
                    "lifecycle": {
                        "postStart": {"sleep": {"seconds": 1}},
                        "preStop": {"sleep": {"seconds": 30}},
                    },
                }
            ],
        },
    }
    loop = asyncio.get_running_loop()
    start = loop.time()
    await core.create_namespaced_pod(namespace, pod)

    async def ready() -> bool:
        p = await core.read_namespaced_pod("hooks", namespace)
        return any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])

    await until(ready, what="the pod to be ready after postStart")
    assert loop.time() - start >= 1.0
    deleted_at = loop.time()
    await core.delete_namespaced_pod("hooks", namespace)

    async def gone() -> bool:
        names = {p.metadata.name for p in (await core.list_namespaced_pod(namespace)).items}
        return "hooks" not in names

    await until(gone, timeout_s=5, what="the pod to go after its grace period")
    took = loop.time() - deleted_at
    assert 0.9 <= took < 3.0  # the 30 s preStop is cut at the 1 s grace period


async def test_deletecollection_of_pods_by_label(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    for i, tier in enumerate(["a", "a", "b"]):
        manifest: Any = {
            "metadata": {"name": f"dc-{i}", "labels": {"tier": tier}},
            "spec": {"containers": [{"name": "c", "image": "i"}]},
        }
        await core.create_namespaced_pod(namespace, manifest)
    await core.delete_collection_namespaced_pod(
        namespace, label_selector="tier=a", grace_period_seconds=0
    )
    names = {p.metadata.name for p in (await core.list_namespaced_pod(namespace)).items}
    assert names == {"dc-2"}
