"""The shared informer against kubesim: list+watch, 410 relist, drops, outages, early ends."""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.informer import Informer, Obj
from flotilla_runtime.kube import api_client

pytestmark = pytest.mark.integration


class Recorder:
    """A handler that keeps the cache the way a consumer would, and the log of calls."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, str]] = {}
        self.calls: list[tuple[str, str]] = []

    async def replace(self, objects: list[Obj], resource_version: str) -> None:
        self.cache = {o["metadata"]["name"]: o.get("data") or {} for o in objects}
        self.calls.append(("REPLACE", ",".join(sorted(self.cache))))

    async def apply(self, event_type: str, obj: Obj) -> None:
        name = obj["metadata"]["name"]
        if event_type == "DELETED":
            self.cache.pop(name, None)
        else:
            self.cache[name] = obj.get("data") or {}
        self.calls.append((event_type, name))


async def knob(cluster: SimulatedCluster, path: str, **body: object) -> None:
    context = ssl.create_default_context(cafile=cluster.ca_file)
    async with httpx.AsyncClient(verify=context) as http:
        (await http.post(f"{cluster.url}/_kubesim/{path}", json=body)).raise_for_status()


@pytest.fixture
async def chaos_core(kubesim: KubesimProcess) -> AsyncIterator[tuple[SimulatedCluster, Any, str]]:
    cluster = kubesim.clusters["chaos"]
    namespace = f"inf-{uuid.uuid4().hex[:6]}"
    async with await api_client(cluster.connection()) as api:
        core = client.CoreV1Api(api)
        await core.create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace))
        )
        yield cluster, core, namespace
        await knob(cluster, "reset")
        await core.delete_namespace(namespace)


async def until(check: Any, timeout_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)


def configmap(name: str, value: str) -> Any:
    return {"metadata": {"name": name}, "data": {"v": value}}


async def run_informer(
    core: Any, namespace: str, recorder: Recorder, **kwargs: Any
) -> tuple[Informer, asyncio.Task[None]]:
    informer = Informer(
        "test",
        core.list_namespaced_config_map,
        namespace,
        handler=recorder,
        max_backoff_s=0.5,
        **kwargs,
    )
    task = asyncio.create_task(informer.run())
    await until(lambda: informer.health.state == "watching")
    return informer, task


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_list_then_watch_in_order(chaos_core: tuple[SimulatedCluster, Any, str]) -> None:
    _, core, namespace = chaos_core
    await core.create_namespaced_config_map(namespace, configmap("before", "0"))
    recorder = Recorder()
    informer, task = await run_informer(core, namespace, recorder)
    try:
        await core.create_namespaced_config_map(namespace, configmap("a", "1"))
        await core.patch_namespaced_config_map("a", namespace, {"data": {"v": "2"}})
        await core.delete_namespaced_config_map("before", namespace)
        await until(lambda: len(recorder.calls) == 4)
    finally:
        await stop(task)
    assert recorder.calls == [
        ("REPLACE", "before"),
        ("ADDED", "a"),
        ("MODIFIED", "a"),
        ("DELETED", "before"),
    ]
    assert recorder.cache == {"a": {"v": "2"}}
    assert informer.health.relists == 1


async def test_410_relists_and_misses_nothing(
    chaos_core: tuple[SimulatedCluster, Any, str],
) -> None:
    cluster, core, namespace = chaos_core
    recorder = Recorder()
    informer, task = await run_informer(core, namespace, recorder)
    try:
        await core.create_namespaced_config_map(namespace, configmap("x", "1"))
        await until(lambda: "x" in recorder.cache)
        await knob(cluster, "watches", action="expire")  # ERROR 410 to every live watch
        await core.create_namespaced_config_map(namespace, configmap("y", "1"))
        await until(lambda: informer.health.relists >= 2 and "y" in recorder.cache)
    finally:
        await stop(task)
    assert set(recorder.cache) == {"x", "y"}


async def test_dropped_streams_and_outages_back_off_and_resume(
    chaos_core: tuple[SimulatedCluster, Any, str],
) -> None:
    cluster, core, namespace = chaos_core
    recorder = Recorder()
    await knob(cluster, "watches", action="none", drop_after_seconds=0.3)
    informer, task = await run_informer(core, namespace, recorder)
    try:
        for i in range(5):
            await core.create_namespaced_config_map(namespace, configmap(f"d{i}", str(i)))
            await asyncio.sleep(0.15)
        await until(lambda: informer.health.reconnects >= 2)
        await knob(cluster, "reset")
        await knob(cluster, "outage", mode="refuse", seconds=1.0)
        await asyncio.sleep(1.5)
        await core.create_namespaced_config_map(namespace, configmap("after", "1"))
        await until(lambda: "after" in recorder.cache, timeout_s=15)
    finally:
        await stop(task)
    assert {f"d{i}" for i in range(5)} | {"after"} == set(recorder.cache)
    names = [name for kind, name in recorder.calls if kind == "ADDED"]
    assert len(names) == len(set(names)), "an event was delivered twice"


async def test_watches_ended_early_continue_from_the_last_version(
    chaos_core: tuple[SimulatedCluster, Any, str],
) -> None:
    cluster, core, namespace = chaos_core
    await knob(cluster, "watches", action="none", max_seconds=0.2)
    recorder = Recorder()
    informer, task = await run_informer(core, namespace, recorder)
    try:
        for i in range(6):
            await core.create_namespaced_config_map(namespace, configmap(f"e{i}", str(i)))
            await asyncio.sleep(0.1)
        await until(lambda: len(recorder.cache) == 6)
    finally:
        await stop(task)
    assert informer.health.relists == 1  # no relist needed: it resumed from its version
    assert [k for k, _ in recorder.calls].count("ADDED") == 6
