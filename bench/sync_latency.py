"""k8s-sync propagation latency: kubesim write → HAProxy state read back, under churn.

Setup: C kubesim clusters × S Flotilla services × P pods, one HAProxy with S backends, the
k8s-sync engine (in this process) syncing all of them. Churn: pods deleted at R per second
(grace 0; each deletion is two endpoint changes: the pod leaves, its replacement arrives).
Latency of one change: from the delete call to the engine's read-back of HAProxy no longer
showing that pod as ready. Floor, same run: a bare kubernetes-asyncio watch on the same
cluster's EndpointSlices, from the delete call to the slice event without the pod.
Keys: p50_ms, p99_ms, max_ms, floor_p99_ms, rss_mb, cpu_s (this process: the engine), changes.
Usage: uv run python bench/sync_latency.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import time
from typing import Any

from _stack import percentile, report, sync_world
from kubernetes_asyncio import client, watch

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_runtime.kube import api_client
from k8s_sync.ingress.haproxy import HAProxyRuntime, ServerState
from k8s_sync.sync.desired import server_name
from k8s_sync.sync.engine import IngressSync

NS = "bench"
LABELS = {"app.kubernetes.io/managed-by": "flotilla", "flotilla.io/env": "prod"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def populate(api: client.ApiClient, services: int, pods: int) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    for s in range(services):
        name = f"app{s:03d}"
        labels = {**LABELS, "flotilla.io/app": name}
        service: Any = {
            "metadata": {"name": name, "labels": labels},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
        deployment: Any = {
            "metadata": {"name": name},
            "spec": {
                "replicas": pods,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {
                        "labels": {"app": name},
                        "annotations": {"kubesim.flotilla.io/ready-after-seconds": "0"},
                    },
                    "spec": {
                        "terminationGracePeriodSeconds": 0,
                        "containers": [
                            {"name": "c", "image": "c:1", "ports": [{"containerPort": 8080}]}
                        ],
                    },
                },
            },
        }
        await core.create_namespaced_service(NS, service)
        await apps.create_namespaced_deployment(NS, deployment)


async def main(quick: bool) -> None:
    clusters_n, services, pods, rate, seconds = (
        (2, 20, 5, 50, 15) if quick else (10, 100, 10, 200, 60)
    )
    names = tuple(f"k{i}" for i in range(clusters_n))
    with sync_world(names, services, pods_per_node=5000) as (kubesim, haproxy):
        result = await run(kubesim, haproxy, services, pods, rate, seconds)
    report(
        {
            "benchmark": "sync_latency",
            "quick": quick,
            "clusters": clusters_n,
            "services": services,
            "pods_per_service": pods,
            "churn_per_s": rate,
            "seconds": seconds,
            **result,
        }
    )


async def run(
    kubesim: KubesimProcess,
    haproxy: HAProxyProcess,
    services: int,
    pods: int,
    rate: int,
    seconds: int,
) -> dict[str, Any]:
    clusters = list(kubesim.clusters.values())
    apis = [await api_client(c.connection()) for c in clusters]
    for api in apis:
        await populate(api, services, pods)
    pending: dict[str, float] = {}  # server name → delete time
    latencies: list[float] = []

    async def on_synced(backend: str, servers: list[ServerState]) -> None:
        now = time.perf_counter()
        present = {s.name for s in servers if s.state == "ready"}
        for name, started in list(pending.items()):
            if backend_of.get(name) == backend and name not in present:
                latencies.append((now - started) * 1000)
                del pending[name]

    backend_of: dict[str, str] = {}

    engine = IngressSync(
        HAProxyRuntime(str(haproxy.socket)),
        [c.connection() for c in clusters],
        on_synced=on_synced,
        reconcile_s=5.0,
    )
    task = asyncio.create_task(engine.run())
    expected = len(clusters) * services * pods
    start = time.monotonic()
    while True:
        served = sum(len(engine.desired(f"app{s:03d}.prod")) for s in range(services))
        if served >= expected:
            break
        if time.monotonic() - start > 300:
            raise TimeoutError(f"only {served} of {expected} endpoints known")
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)  # initial adds applied
    floor: list[float] = []
    floor_pending: dict[str, float] = {}
    floor_task = asyncio.create_task(_floor(apis[0], floor_pending, floor))
    cpu0 = time.process_time()
    core = [client.CoreV1Api(api) for api in apis]
    deadline = time.monotonic() + seconds
    changes = 0
    rng = random.Random(7)
    while time.monotonic() < deadline:
        tick = time.monotonic()
        batch = []
        for _ in range(max(1, rate // 10)):
            i = rng.randrange(len(clusters))
            app = f"app{rng.randrange(services):03d}"
            listed = [
                e
                for e in engine.desired(f"{app}.prod")
                if e.cluster == clusters[i].name and e.desired_state == "ready"
            ]
            if not listed:
                continue
            victim = rng.choice(listed)
            name = server_name(victim.cluster, NS, victim.pod)
            if name in pending:
                continue
            backend_of[name] = f"{app}.prod"
            pending[name] = time.perf_counter()
            if i == 0:
                floor_pending[victim.pod] = pending[name]
            batch.append(core[i].delete_namespaced_pod(victim.pod, NS, grace_period_seconds=0))
            changes += 1
        await asyncio.gather(*batch)
        await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))
    await asyncio.sleep(5)
    cpu = time.process_time() - cpu0
    floor_task.cancel()
    task.cancel()
    await asyncio.gather(floor_task, task, return_exceptions=True)
    for api in apis:
        await api.close()
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "floor_p50_ms": round(percentile(floor, 50), 2),
        "floor_p99_ms": round(percentile(floor, 99), 2),
        "changes": changes,
        "measured": len(latencies),
        "unconfirmed": len(pending),
        "rss_mb": round(rss_mb(), 1),
        "cpu_s": round(cpu, 2),
        "endpoints": expected,
    }


async def _floor(api: client.ApiClient, pending: dict[str, float], out: list[float]) -> None:
    """A bare kubernetes-asyncio watch on the same cluster's EndpointSlices."""
    discovery = client.DiscoveryV1Api(api)
    listed = await discovery.list_namespaced_endpoint_slice(NS)
    async with watch.Watch() as w:
        async for event in w.stream(
            discovery.list_namespaced_endpoint_slice,
            NS,
            resource_version=listed.metadata.resource_version,
            timeout_seconds=600,
        ):
            now = time.perf_counter()
            present = {
                e.target_ref.name for e in event["object"].endpoints or [] if e.conditions.ready
            }
            slice_pods = {e.target_ref.name for e in event["object"].endpoints or []}
            for pod, started in list(pending.items()):
                if pod not in present and (pod in slice_pods or event["type"] == "MODIFIED"):
                    app = pod.rsplit("-", 2)[0]
                    if event["object"].metadata.labels.get("flotilla.io/app") == app:
                        out.append((now - started) * 1000)
                        del pending[pod]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2×20×5, 50 changes/s for 15 s")
    asyncio.run(main(parser.parse_args().quick))
