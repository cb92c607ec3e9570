"""k8s-sync memory: RSS growth per 10,000 endpoints synced.

Setup: kubesim with C clusters × S Flotilla services, one HAProxy (k8s-sync renders its S
backends), the k8s-sync engine in this process (the heap is traced here). Baseline, same run:
RSS with the engine running and every informer watching but no endpoints. Then each step scales
every Deployment up so that `step` more endpoints exist, waits until HAProxy serves all of them
(read back), collects garbage and reads VmRSS. Growth per 10,000 endpoints = (final RSS −
baseline) / endpoints × 10,000. The traced Python heap (tracemalloc, started at the baseline) is
reported beside it: RSS understates growth while the allocator reuses memory freed earlier.
Keys: rss_base_mb, rss_mb, endpoints, mb_per_10k_endpoints, heap_mb_per_10k_endpoints, steps.
Usage: uv run python bench/sync_memory.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _stack import ingress_instance, report, sync_world
from kubernetes_asyncio import client

from flotilla_contracts import labels
from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.kubesim import SimulatedCluster
from flotilla_runtime.kube import api_client
from k8s_sync.ingress.haproxy import HAProxyRuntime
from k8s_sync.workers.ingress_sync import IngressSync

NS = "bench"
LABELS = {labels.MANAGED_BY: labels.MANAGED_BY_VALUE, labels.ENV: "prod"}


def rss_now_mb() -> float:
    """Resident set size now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def create(api: client.ApiClient, services: int) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    for s in range(services):
        name = f"app{s:03d}"
        service: Any = {
            "metadata": {"name": name, "labels": {**LABELS, labels.APP: name}},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
        deployment: Any = {
            "metadata": {"name": name},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {
                        "labels": {"app": name},
                        "annotations": {"kubesim.flotilla.io/ready-after-seconds": "0"},
                    },
                    "spec": {"containers": [{"name": "c", "image": "c:1"}]},
                },
            },
        }
        await core.create_namespaced_service(NS, service)
        await apps.create_namespaced_deployment(NS, deployment)


async def scale(api: client.ApiClient, services: int, replicas: int) -> None:
    apps = client.AppsV1Api(api)
    body: Any = {"spec": {"replicas": replicas}}
    for s in range(services):
        await apps.patch_namespaced_deployment_scale(f"app{s:03d}", NS, body)


async def served(driver: HAProxyRuntime, services: int) -> int:
    await driver.close()  # reach the current worker (a reload may have happened)
    total = 0
    backends = [f"app{s:03d}.prod" for s in range(services)]
    for servers in (await driver.servers_of(backends)).values():
        if isinstance(servers, list):
            total += sum(1 for x in servers if x.state == "ready")
    return total


async def main(quick: bool) -> None:
    clusters_n, services, per_step, steps = (1, 20, 25, 2) if quick else (2, 50, 100, 2)
    names = tuple(f"m{i}" for i in range(clusters_n))
    with sync_world(names, pods_per_node=20000) as (sims, haproxies):
        clusters = [c for sim in sims for c in sim.clusters.values()]
        result = await run(clusters, haproxies[0], services, per_step, steps)
    report({"benchmark": "sync_memory", "quick": quick, "clusters": clusters_n, **result})


async def run(
    clusters: list[SimulatedCluster],
    haproxy: HAProxyProcess,
    services: int,
    per_step: int,
    steps: int,
) -> dict[str, Any]:
    apis = [await api_client(c.connection()) for c in clusters]
    for api in apis:
        await create(api, services)
    driver = HAProxyRuntime(str(haproxy.socket))
    instance = ingress_instance(haproxy.ingress_settings(), reconcile_s=5.0)
    engine = IngressSync([instance], [c.connection() for c in clusters])
    tasks = [asyncio.create_task(engine.run()), asyncio.create_task(instance.run())]
    for _ in range(600):  # every informer watching, within a minute
        if len(engine.views) == len(clusters) and not any(v.stale for v in engine.views.values()):
            break
        await asyncio.sleep(0.1)
    gc.collect()
    await asyncio.sleep(1.0)
    base = rss_now_mb()
    # RSS alone understates growth: the allocator reuses memory freed after the imports. The
    # traced Python heap counts every live allocation made from here on.
    tracemalloc.start()
    heap_base = tracemalloc.get_traced_memory()[0]
    out: list[dict[str, float]] = []
    try:
        for step in range(1, steps + 1):
            replicas = per_step * step
            started = time.monotonic()
            for api in apis:
                await scale(api, services, replicas)
            expected = len(clusters) * services * replicas
            while await served(driver, services) < expected:
                if time.monotonic() - started > 600:
                    raise RuntimeError(f"step {step}: not all {expected} endpoints served")
                await asyncio.sleep(0.5)
            gc.collect()
            await asyncio.sleep(1.0)
            out.append(
                {
                    "endpoints": expected,
                    "rss_mb": round(rss_now_mb(), 1),
                    "heap_mb": round((tracemalloc.get_traced_memory()[0] - heap_base) / 2**20, 1),
                    "converged_s": round(time.monotonic() - started, 1),
                }
            )
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await driver.close()
        for api in apis:
            await api.close()
    endpoints = int(out[-1]["endpoints"])
    final = out[-1]["rss_mb"]
    return {
        "rss_base_mb": round(base, 1),
        "rss_mb": final,
        "endpoints": endpoints,
        "mb_per_10k_endpoints": round((final - base) / endpoints * 10_000, 1),
        "heap_mb_per_10k_endpoints": round(out[-1]["heap_mb"] / endpoints * 10_000, 2),
        "steps": out,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    asyncio.run(main(parser.parse_args().quick))
