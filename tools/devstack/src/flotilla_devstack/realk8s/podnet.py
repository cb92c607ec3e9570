"""The kubelet's missing half for kwok's simulated nodes: the applications themselves.

kwok gives pods status and IPs but runs nothing. This process registers the clusters' nodes
and, per cluster, watches pods: a running pod with an IP answers HTTP on it and its container
ports (kubesim's PodListeners: the same JSON answer as a kubesim pod, so the same assertions
hold). When a pod is deleted it keeps serving for its preStop `sleep`, as the application does
until the kubelet sends SIGTERM, then stops.

    python -m flotilla_devstack.realk8s.podnet --cluster NAME=KUBECONFIG ... [--nodes 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import Any

from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_devstack.realk8s.faults import FaultyPods
from kubesim.controllers.podspec import hook_seconds
from kubesim.knobs import Knobs
from kubesim.listeners import PodListeners

log = logging.getLogger("podnet")
NODE_SHAPE = {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"}


def node(cluster: str, index: int) -> Any:
    name = f"{cluster}-node-{index}"
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
        "status": {"capacity": NODE_SHAPE, "allocatable": NODE_SHAPE},
    }


class ClusterPods:
    """One cluster's pods, served on their IPs."""

    def __init__(self, name: str, api: client.ApiClient) -> None:
        self.name = name
        self.api = api
        self.knobs = Knobs()
        self.listeners = PodListeners(self)
        self._ips: dict[str, str] = {}  # uid → IP
        self._serving: set[str] = set()
        self._stopping: dict[str, asyncio.Task[None]] = {}
        self.faulty = FaultyPods(api)

    def pod_ip(self, pod: dict[str, Any]) -> str:
        return self._ips[pod["metadata"]["uid"]]

    async def register_nodes(self, count: int) -> None:
        core = client.CoreV1Api(self.api)
        for index in range(count):
            with contextlib.suppress(ApiException):  # already there (a restart)
                await core.create_node(node(self.name, index))

        async def ready() -> bool:
            nodes = (await core.list_node()).items
            return len(nodes) >= count and all(
                any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
                for n in nodes
            )

        for _ in range(600):  # kwok marks them Ready within moments
            if await ready():
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name}: nodes not Ready after 120 s")

    def seen(self, kind: str, pod: dict[str, Any]) -> None:
        meta, status = pod["metadata"], pod.get("status") or {}
        uid = meta["uid"]
        self.faulty.seen(kind, pod)
        if kind == "DELETED":
            self._stop(uid, pod, at_once=uid not in self._stopping)
            return
        if meta.get("deletionTimestamp"):
            if uid in self._serving and uid not in self._stopping:
                self._stopping[uid] = asyncio.create_task(self._drain(uid, pod))
            return
        if uid not in self._serving and status.get("phase") == "Running" and status.get("podIP"):
            self._ips[uid] = status["podIP"]
            self._serving.add(uid)
            self.listeners.hook("started", pod)

    async def _drain(self, uid: str, pod: dict[str, Any]) -> None:
        await asyncio.sleep(pre_stop_seconds(pod))
        self._stop(uid, pod, at_once=True)

    def _stop(self, uid: str, pod: dict[str, Any], *, at_once: bool) -> None:
        if not at_once or uid not in self._serving:
            return
        self._serving.discard(uid)
        self._ips.pop(uid, None)
        self._stopping.pop(uid, None)
        self.listeners.hook("sigterm", pod)

    async def follow(self) -> None:
        core = client.CoreV1Api(self.api)
        version = ""
        while True:
            try:
                if not version:
                    listed: Any = await core.list_pod_for_all_namespaces(_preload_content=False)
                    body = await listed.json()
                    for item in body["items"]:
                        self.seen("ADDED", item)
                    version = body["metadata"]["resourceVersion"]
                    log.info("podnet %s ready", self.name)
                stream: Any = watch.Watch().stream(
                    core.list_pod_for_all_namespaces,
                    resource_version=version,
                    timeout_seconds=300,
                    allow_watch_bookmarks=True,
                    _preload_content=False,
                )
                async with contextlib.aclosing(stream) as events:
                    async for event in events:
                        obj = event["raw_object"]
                        if event["type"] == "ERROR":
                            version = ""
                            break
                        version = obj["metadata"].get("resourceVersion", version)
                        if event["type"] != "BOOKMARK":
                            self.seen(event["type"], obj)
            except ApiException as exc:
                if exc.status == 410:
                    version = ""
                    continue
                log.warning("%s: pods watch failed: %s", self.name, exc)
                await asyncio.sleep(1)
            except (TimeoutError, OSError) as exc:
                log.warning("%s: pods watch failed: %r", self.name, exc)
                await asyncio.sleep(1)


def pre_stop_seconds(pod: dict[str, Any]) -> float:
    """How long the application serves after deletion: its preStop, as kubesim's kubelet times
    it (the `sleep` hook, or kubesim's pre-stop-seconds annotation), within its grace."""
    grace = float((pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30))
    return min(grace, hook_seconds(pod, "preStop", "pre-stop-seconds"))


async def main_async(clusters: list[tuple[str, str]], nodes: int) -> None:
    tasks = []
    for name, path in clusters:
        api = await config.new_client_from_config(config_file=path)
        pods = ClusterPods(name, api)
        await pods.register_nodes(nodes)
        tasks.append(asyncio.create_task(pods.follow()))
    await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", action="append", required=True, help="NAME=KUBECONFIG")
    parser.add_argument("--nodes", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    clusters = [tuple(c.split("=", 1)) for c in args.cluster]
    asyncio.run(main_async([(n, p) for n, p in clusters], args.nodes))


if __name__ == "__main__":
    main()
