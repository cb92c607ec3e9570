"""Failure knobs on the `chaos` cluster: outages, injected errors, broken watches, pod faults,
node trouble. Each test turns its knob off again."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_devstack.kubesim import SimulatedCluster

from .conftest import admin, api_client
from .workloads import deployment, service, until, wait_rolled_out


@pytest.fixture
async def chaos_api(chaos: SimulatedCluster) -> AsyncIterator[client.ApiClient]:
    async with await api_client(chaos) as c:
        yield c
    await admin(chaos, "POST", "reset")


@pytest.fixture
async def chaos_ns(chaos_api: client.ApiClient) -> AsyncIterator[str]:
    name = f"c-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(chaos_api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    await core.delete_namespace(name)


async def test_outage_503_then_recovery(
    chaos: SimulatedCluster, chaos_api: client.ApiClient
) -> None:
    core = client.CoreV1Api(chaos_api)
    await admin(chaos, "POST", "outage", mode="503", seconds=0.6)
    with pytest.raises(ApiException) as down:
        await core.list_namespace()
    assert down.value.status == 503
    await asyncio.sleep(0.7)
    assert (await core.list_namespace()).items


async def test_outage_refusing_connections(
    chaos: SimulatedCluster, chaos_api: client.ApiClient
) -> None:
    core = client.CoreV1Api(chaos_api)
    await admin(chaos, "POST", "outage", mode="refuse", seconds=1.0)
    await asyncio.sleep(0.1)
    with pytest.raises(aiohttp.ClientConnectorError):
        await core.list_namespace(_request_timeout=2)
    await asyncio.sleep(1.2)
    assert (await core.list_namespace(_request_timeout=2)).items


async def test_outage_hanging_requests(
    chaos: SimulatedCluster, chaos_api: client.ApiClient
) -> None:
    core = client.CoreV1Api(chaos_api)
    await admin(chaos, "POST", "outage", mode="hang", seconds=1.5)
    start = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await core.list_namespace(_request_timeout=0.5)
    assert time.monotonic() - start >= 0.45
    await asyncio.sleep(1.2)
    assert (await core.list_namespace(_request_timeout=2)).items


async def test_injected_errors_and_latency(
    chaos: SimulatedCluster, chaos_api: client.ApiClient, chaos_ns: str
) -> None:
    core = client.CoreV1Api(chaos_api)
    cm = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="x"))
    await core.create_namespaced_config_map(chaos_ns, cm)
    await admin(chaos, "POST", "errors", verb="patch", resource="configmaps", code=409, count=1)
    await admin(chaos, "POST", "errors", verb="list", code=429, count=1)
    await admin(chaos, "POST", "errors", verb="get", code=500, count=1)
    with pytest.raises(ApiException) as conflict:
        await core.patch_namespaced_config_map("x", chaos_ns, {"data": {"a": "1"}})
    assert conflict.value.status == 409
    await core.patch_namespaced_config_map("x", chaos_ns, {"data": {"a": "1"}})  # only once
    with pytest.raises(ApiException) as throttled:
        await core.list_namespaced_config_map(chaos_ns)
    assert throttled.value.status == 429
    assert throttled.value.headers is not None
    assert throttled.value.headers["Retry-After"] == "1"
    with pytest.raises(ApiException) as broken:
        await core.read_namespaced_config_map("x", chaos_ns)
    assert broken.value.status == 500
    await admin(chaos, "POST", "latency", seconds=0.3)
    start = time.monotonic()
    await core.read_namespaced_config_map("x", chaos_ns)
    assert time.monotonic() - start >= 0.3


async def test_watches_closed_early_dropped_or_expired(
    chaos: SimulatedCluster, chaos_api: client.ApiClient, chaos_ns: str
) -> None:
    core = client.CoreV1Api(chaos_api)
    # Closed early: the stream ends cleanly long before its timeout.
    await admin(chaos, "POST", "watches", action="none", max_seconds=0.3)
    start = time.monotonic()
    async with watch.Watch() as w:
        async for _ in w.stream(core.list_namespaced_config_map, chaos_ns, timeout_seconds=30):
            pass
    assert time.monotonic() - start < 5
    # Dropped abruptly: the client sees a payload error, not a clean end.
    await admin(chaos, "POST", "watches", action="none", max_seconds=None, drop_after_seconds=0.3)
    with pytest.raises(aiohttp.ClientPayloadError):
        await _drain(core, chaos_ns)
    await admin(chaos, "POST", "reset")
    # Expired: a live watch receives a 410 ERROR.
    listed = await core.list_namespaced_config_map(chaos_ns)
    task = asyncio.create_task(_drain(core, chaos_ns, listed.metadata.resource_version))
    await asyncio.sleep(0.3)
    await admin(chaos, "POST", "watches", action="expire")
    with pytest.raises(ApiException) as gone:
        await task
    assert gone.value.status == 410


async def _drain(core: client.CoreV1Api, namespace: str, rv: str | None = None) -> None:
    async with watch.Watch() as w:
        async for _ in w.stream(
            core.list_namespaced_config_map, namespace, timeout_seconds=10, resource_version=rv
        ):
            pass


async def _first_pod(core: client.CoreV1Api, namespace: str, app: str) -> client.V1Pod:
    pods = (await core.list_namespaced_pod(namespace, label_selector=f"app={app}")).items
    assert pods
    return pods[0]


async def _waiting_reason(core: client.CoreV1Api, ns: str, app: str) -> str | None:
    pods = (await core.list_namespaced_pod(ns, label_selector=f"app={app}")).items
    for pod in pods:
        for cs in pod.status.container_statuses or []:
            if cs.state.waiting:
                return str(cs.state.waiting.reason)
    return None


async def test_pod_faults_by_image(
    chaos: SimulatedCluster, chaos_api: client.ApiClient, chaos_ns: str
) -> None:
    apps, core = client.AppsV1Api(chaos_api), client.CoreV1Api(chaos_api)
    faults = {
        "crash": "CrashLoopBackOff",
        "pull": "ImagePullBackOff",
        "oom": "OOMKilled",
        "never": "NeverReady",
    }
    for app, fault in faults.items():
        await admin(chaos, "POST", "faults", image=f"{app}:bad", fault=fault)
        await apps.create_namespaced_deployment(
            chaos_ns, deployment(app, replicas=1, image=f"{app}:bad")
        )

    async def crash_looping() -> bool:
        pod = await _first_pod(core, chaos_ns, "crash")
        cs = next(iter(pod.status.container_statuses or []), None)
        return bool(
            cs
            and cs.restart_count >= 2
            and cs.state.waiting
            and cs.state.waiting.reason == "CrashLoopBackOff"
        )

    await until(crash_looping, timeout_s=15, what="CrashLoopBackOff with restarts")

    async def image_pull() -> bool:
        return await _waiting_reason(core, chaos_ns, "pull") in ("ImagePullBackOff", "ErrImagePull")

    await until(image_pull, what="an image pull failure")
    assert (await _first_pod(core, chaos_ns, "pull")).status.phase == "Pending"

    async def oom_killed() -> bool:
        pod = await _first_pod(core, chaos_ns, "oom")
        cs = next(iter(pod.status.container_statuses or []), None)
        return bool(
            cs
            and cs.last_state
            and cs.last_state.terminated
            and cs.last_state.terminated.reason == "OOMKilled"
        )

    await until(oom_killed, what="an OOMKilled container")
    await asyncio.sleep(0.5)
    never = await _first_pod(core, chaos_ns, "never")
    assert never.status.phase == "Running"
    assert not any(c.type == "Ready" and c.status == "True" for c in never.status.conditions)


async def test_node_not_ready_add_and_remove(
    chaos: SimulatedCluster, chaos_api: client.ApiClient, chaos_ns: str
) -> None:
    apps, core = client.AppsV1Api(chaos_api), client.CoreV1Api(chaos_api)
    name = f"extra-{uuid.uuid4().hex[:6]}"
    await admin(chaos, "POST", "nodes", name=name, labels={"pool": name})
    await apps.create_namespaced_deployment(
        chaos_ns, deployment("pinned", replicas=2, node_selector={"pool": name})
    )
    await wait_rolled_out(apps, "pinned", chaos_ns)
    await admin(chaos, "POST", f"nodes/{name}/ready", ready=False)

    async def not_ready() -> bool:
        pods = (await core.list_namespaced_pod(chaos_ns, label_selector="app=pinned")).items
        return all(
            any(c.type == "Ready" and c.status == "False" for c in p.status.conditions)
            for p in pods
        )

    await until(not_ready, what="pods on a NotReady node to turn unready")
    await admin(chaos, "DELETE", f"nodes/{name}")
    assert name not in {n.metadata.name for n in (await core.list_node()).items}

    async def rescheduling_blocked() -> bool:
        pods = (await core.list_namespaced_pod(chaos_ns, label_selector="app=pinned")).items
        return len(pods) == 2 and all(not p.spec.node_name for p in pods)

    await until(rescheduling_blocked, what="replacement pods with nowhere to go")


async def test_a_stopped_endpoints_controller_leaves_slices_as_they_were(
    chaos: SimulatedCluster, chaos_api: client.ApiClient, chaos_ns: str
) -> None:
    """The Service's selector moves to other pods while the endpoints controller is stopped:
    its EndpointSlices keep the old pods until it runs again, then catch up."""
    apps, core = client.AppsV1Api(chaos_api), client.CoreV1Api(chaos_api)
    discovery = client.DiscoveryV1Api(chaos_api)
    for name in ("old", "new"):
        await apps.create_namespaced_deployment(chaos_ns, deployment(name, replicas=1))
        await wait_rolled_out(apps, name, chaos_ns)
    web: Any = {**service("old"), "metadata": {"name": "web"}}
    await core.create_namespaced_service(chaos_ns, web)

    async def sliced() -> set[str]:
        slices = await discovery.list_namespaced_endpoint_slice(
            chaos_ns, label_selector="kubernetes.io/service-name=web"
        )
        return {e.target_ref.name.split("-")[0] for s in slices.items for e in s.endpoints or []}

    async def only_old() -> bool:
        return await sliced() == {"old"}

    async def only_new() -> bool:
        return await sliced() == {"new"}

    await until(only_old, what="the old pod in the slice")
    described = await admin(chaos, "POST", "controllers", name="endpoints", running=False)
    assert described["knobs"]["stopped_controllers"] == ["endpoints"]
    await core.patch_namespaced_service("web", chaos_ns, {"spec": {"selector": {"app": "new"}}})
    await asyncio.sleep(1.0)
    assert await only_old()  # nothing moved while it was stopped
    await admin(chaos, "POST", "controllers", name="endpoints", running=True)
    await until(only_new, what="the slice following the new selector")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await admin(chaos, "POST", "controllers", name="scheduler", running=False)
    assert refused.value.response.status_code == 400
    assert "unknown controller" in refused.value.response.text
