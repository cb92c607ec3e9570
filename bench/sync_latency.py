"""k8s-sync propagation latency: kubesim write → HAProxy state read back, under churn, measured
the way k8s-sync is deployed.

Processes: one kubesim per cluster; HAProxy (master-worker, k8s-sync's configuration); the
k8s-sync engine alone in its own process (bench/_sync_engine.py); this process runs the load
generator and the floor watcher. Setup: C clusters × S Flotilla services × P pods. Churn: pods
deleted at R per second (grace 0; each deletion is two endpoint changes: the pod leaves, its
replacement arrives). Latency of one deletion: from the delete call to k8s-sync's read-back of
HAProxy no longer showing that pod ready. Floor, same run, same clusters: a bare
kubernetes-asyncio watch on every cluster's EndpointSlices, from the delete call to the slice
event without the pod. Times compare across processes on CLOCK_MONOTONIC.
Keys: p50_ms, p99_ms, floor_p99_ms, ratio_p99 (k8s-sync / floor), rate_reached_per_s,
cpu_ms_per_change (k8s-sync's own CPU per endpoint change), rss_mb (k8s-sync), changes.
Usage: uv run python bench/sync_latency.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from typing import Any

from _stack import (
    EngineProcess,
    app_deployment,
    app_service,
    cpu_seconds,
    percentile,
    report,
    rss_mb,
    sync_world,
)
from kubernetes_asyncio import client

from flotilla_contracts import labels
from flotilla_devstack.kubesim import SimulatedCluster
from flotilla_runtime.kube import api_client

NS = "bench"


def progress(line: str) -> None:
    sys.stderr.write(f"[sync_latency] {line}\n")


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def populate(api: client.ApiClient, services: int, pods: int) -> None:
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    for s in range(services):
        await core.create_namespaced_service(NS, app_service(f"app{s:03d}"))
        await apps.create_namespaced_deployment(NS, app_deployment(f"app{s:03d}", pods))


class Floor:
    """Bare watches of every cluster's EndpointSlices: the floor latency, and which pods are
    ready where (the generator's victims)."""

    def __init__(self) -> None:
        self.ready: dict[tuple[str, str], dict[str, str]] = {}  # (cluster, app) → addr → pod
        self.pending: dict[str, float] = {}  # "cluster/pod" → delete time
        self.latencies: list[float] = []

    async def watch(self, cluster: str, api: client.ApiClient) -> None:
        discovery = client.DiscoveryV1Api(api)
        resource_version = ""
        while True:
            if not resource_version:
                response: Any = await discovery.list_namespaced_endpoint_slice(
                    NS, _preload_content=False
                )
                listed = json.loads(await response.read())
                for item in listed.get("items") or []:
                    self._slice_dict(cluster, item, now())
                resource_version = listed["metadata"]["resourceVersion"]
            response = await discovery.list_namespaced_endpoint_slice(
                NS,
                watch=True,
                resource_version=resource_version,
                timeout_seconds=600,
                _preload_content=False,
                _request_timeout=660,
            )
            async with response:
                async for line in response.content:
                    event = json.loads(line)
                    obj = event.get("object") or {}
                    resource_version = (obj.get("metadata") or {}).get(
                        "resourceVersion", resource_version
                    )
                    if event.get("type") in ("ADDED", "MODIFIED"):
                        self._slice_dict(cluster, obj, now())

    def _slice_dict(self, cluster: str, obj: dict[str, Any], at: float) -> None:
        app = ((obj.get("metadata") or {}).get("labels") or {}).get(labels.APP)
        if not app:
            return
        port = next((p.get("port") for p in obj.get("ports") or []), 0)
        ready = {}
        for e in obj.get("endpoints") or []:
            pod = (e.get("targetRef") or {}).get("name", "")
            if (e.get("conditions") or {}).get("ready") and e.get("addresses"):
                ready[f"{e['addresses'][0]}:{port}"] = pod
        self.ready[(cluster, app)] = ready
        present = {f"{cluster}/{p}" for p in ready.values()}
        for key, started in list(self.pending.items()):
            if key.startswith(f"{cluster}/{app}-") and key not in present:
                self.latencies.append((at - started) * 1000)
                del self.pending[key]


async def main(quick: bool) -> None:
    clusters_n, services, pods, rate, seconds = (
        (2, 20, 5, 50, 15) if quick else (10, 100, 10, 200, 60)
    )
    names = tuple(f"k{i}" for i in range(clusters_n))
    with sync_world(names, pods_per_node=5000) as (sims, haproxies):
        clusters = [c for sim in sims for c in sim.clusters.values()]
        result = await run(clusters, haproxies, services, pods, rate, seconds)
    report(
        {
            "benchmark": "sync_latency",
            "quick": quick,
            "clusters": clusters_n,
            "services": services,
            "pods_per_service": pods,
            "churn_asked_per_s": rate,
            "seconds": seconds,
            **result,
        }
    )


async def run(
    clusters: list[SimulatedCluster],
    haproxies: list[Any],
    services: int,
    pods: int,
    rate: int,
    seconds: int,
) -> dict[str, Any]:
    apis = [await api_client(c.connection()) for c in clusters]
    await asyncio.gather(*(populate(api, services, pods) for api in apis))
    served: dict[str, set[str]] = {}  # backend → ready addresses, as k8s-sync read them back
    pending: dict[str, tuple[str, float]] = {}  # address → (backend, delete time)
    latencies: list[float] = []

    counts: dict[str, int] = {"synced": 0, "reload": 0}

    def on_event(event: dict[str, Any]) -> None:
        counts[event["ev"]] = counts.get(event["ev"], 0) + 1
        if event["ev"] != "synced":
            return
        backend = event["backend"]
        ready = served.setdefault(backend, set())
        ready |= set(event["added"])
        ready -= set(event["gone"])
        for address, (b, started) in list(pending.items()):
            if b == backend and address not in ready:
                latencies.append((event["t"] - started) * 1000)
                del pending[address]

    floor = Floor()
    watches = [
        asyncio.create_task(floor.watch(c.name, api)) for c, api in zip(clusters, apis, strict=True)
    ]
    expected = len(clusters) * services * pods
    async with EngineProcess(clusters, haproxies, on_event, reconcile_s=1.0) as engine:
        start = time.monotonic()
        while (have := sum(len(v) for v in served.values())) < expected:
            if time.monotonic() - start > 600:
                raise TimeoutError(f"only {have} of {expected} endpoints served")
            engine.check()
            progress(f"ingress serves {have} of {expected} endpoints ({counts})")
            await asyncio.sleep(2)
        progress(f"all {expected} served after {time.monotonic() - start:.1f} s; churn")
        await asyncio.sleep(3)
        core = [client.CoreV1Api(api) for api in apis]
        cpu0, began = cpu_seconds(engine.pid), now()
        deadline = time.monotonic() + seconds
        deletions = 0
        rng = random.Random(7)
        while time.monotonic() < deadline:
            tick = time.monotonic()
            batch = []
            for _ in range(max(1, rate // 10)):
                i = rng.randrange(len(clusters))
                app = f"app{rng.randrange(services):03d}"
                ready = floor.ready.get((clusters[i].name, app), {})
                candidates = [a for a in ready if a not in pending]
                if not candidates:
                    continue
                address = rng.choice(candidates)
                pod = ready[address]
                started = now()
                pending[address] = (f"{app}.prod", started)
                floor.pending[f"{clusters[i].name}/{pod}"] = started
                batch.append(core[i].delete_namespaced_pod(pod, NS, grace_period_seconds=0))
                deletions += 1
            await asyncio.gather(*batch, return_exceptions=True)
            await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))
        elapsed = now() - began
        await asyncio.sleep(5)
        cpu = cpu_seconds(engine.pid) - cpu0
        engine_rss = rss_mb(engine.pid)
    for task in watches:
        task.cancel()
    await asyncio.gather(*watches, return_exceptions=True)
    for api in apis:
        await api.close()
    changes = 2 * deletions
    p99, floor_p99 = percentile(latencies, 99), percentile(floor.latencies, 99)
    return {
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(max(latencies), 2),
        "floor_p50_ms": round(percentile(floor.latencies, 50), 2),
        "floor_p99_ms": round(floor_p99, 2),
        "ratio_p99": round(p99 / floor_p99, 2),
        "deletions": deletions,
        "changes": changes,
        "rate_reached_per_s": round(deletions / elapsed, 1),
        "measured": len(latencies),
        "unconfirmed": len(pending),
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_change": round(cpu * 1000 / changes, 3),
        "rss_mb": round(engine_rss, 1),
        "endpoints": expected,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2×20×5, 50 changes/s for 15 s")
    asyncio.run(main(parser.parse_args().quick))
