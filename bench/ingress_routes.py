"""The ingress owning its configuration: how fast a new app is served, what a reload costs at
2,000 backends, and that a steady app never notices.

Processes: kubesim (pod listeners, so requests really reach pods), HAProxy in master-worker
mode, k8s-sync's engine alone (bench/_sync_engine.py); this process creates apps, watches
EndpointSlices and sends traffic. Throughout, a steady app takes 50 requests/s through the
ingress by Host; every non-200 or error is counted (`failed_requests`, must be 0).
1. 50 new apps, in waves of 5, each a Service then a Deployment of one pod (ready 0.5 s after
   it starts), as release-api applies them: from the app's first ready EndpointSlice (seen by
   a bare watch here) to its first 200 through the ingress by its Host
   (`first_request_p50_ms`, `first_request_p99_ms`).
2. Services up to 2,000 backends (`--quick`: 300), then one more app: that reload's duration
   and render time (`reload_ms`, `render_ms`), HAProxy's RSS (master and current worker) and
   k8s-sync's engine RSS at that size.
Usage: uv run python bench/ingress_routes.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any

import httpx
from _stack import (
    EngineProcess,
    app_deployment,
    app_service,
    haproxy_pids,
    percentile,
    report,
    rss_mb,
    sync_world,
)
from kubernetes_asyncio import client

from flotilla_contracts import labels
from flotilla_devstack.haproxy import count_answers
from flotilla_runtime.kube import api_client

NS = "bench"
DOMAIN = "prod.bench"  # the engine's template: {app}.{env}.bench


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def progress(line: str) -> None:
    sys.stderr.write(f"[ingress_routes] {line}\n")


async def first_ready_slices(api: client.ApiClient, seen: dict[str, float]) -> None:
    """app → when its first EndpointSlice with a ready endpoint was seen."""
    discovery = client.DiscoveryV1Api(api)
    listed: Any = await discovery.list_namespaced_endpoint_slice(NS, _preload_content=False)
    version = json.loads(await listed.read())["metadata"]["resourceVersion"]
    response: Any = await discovery.list_namespaced_endpoint_slice(
        NS,
        watch=True,
        resource_version=version,
        timeout_seconds=3600,
        _preload_content=False,
        _request_timeout=3700,
    )
    async with response:
        async for line in response.content:
            obj = json.loads(line).get("object") or {}
            app = ((obj.get("metadata") or {}).get("labels") or {}).get(labels.APP)
            ready = any(
                (e.get("conditions") or {}).get("ready") for e in obj.get("endpoints") or []
            )
            if app and ready and app not in seen:
                seen[app] = now()


async def steady_traffic(port: int, stop: asyncio.Event) -> Counter[str]:
    return await count_answers(port, stop, headers={"host": f"steady.{DOMAIN}"}, rate=50.0)


async def first_200(port: int, app: str, deadline_s: float = 60) -> float:
    async with httpx.AsyncClient(timeout=2) as http:
        give_up = now() + deadline_s
        while now() < give_up:
            try:
                r = await http.get(f"http://127.0.0.1:{port}/", headers={"host": f"{app}.{DOMAIN}"})
                if r.status_code == 200:
                    return now()
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.005)
    raise TimeoutError(f"{app} never answered through the ingress")


async def main(quick: bool) -> None:
    total = 300 if quick else 2000
    with sync_world(("r0",), pods_per_node=5000, listeners=True) as (sims, haproxies):
        cluster = next(iter(sims[0].clusters.values()))
        haproxy = haproxies[0]
        reloads: list[dict[str, Any]] = []

        def on_event(event: dict[str, Any]) -> None:
            if event["ev"] == "reload":
                reloads.append(event)

        async with await api_client(cluster.connection()) as api:
            core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
            await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
            await core.create_namespaced_service(NS, app_service("steady"))
            await apps.create_namespaced_deployment(
                NS, app_deployment("steady", 2, ready_after_s=0.5)
            )
            seen: dict[str, float] = {}
            watcher = asyncio.create_task(first_ready_slices(api, seen))
            async with EngineProcess([cluster], haproxies, on_event) as engine:
                await first_200(haproxy.port, "steady")
                stop = asyncio.Event()
                traffic = asyncio.create_task(steady_traffic(haproxy.port, stop))
                latencies = []
                for wave in range(10):
                    names = [f"new{wave}x{i}" for i in range(5)]
                    for name in names:
                        await core.create_namespaced_service(NS, app_service(name))
                        await apps.create_namespaced_deployment(
                            NS, app_deployment(name, 1, ready_after_s=0.5)
                        )
                    answered = await asyncio.gather(*(first_200(haproxy.port, n) for n in names))
                    latencies += [
                        (t - seen[n]) * 1000 for n, t in zip(names, answered, strict=True)
                    ]
                    progress(f"wave {wave + 1}/10: {[round(x) for x in latencies[-5:]]} ms")
                first_reloads = len(reloads)
                progress(f"adding Services up to {total} backends")
                for i in range(total - 51):
                    await core.create_namespaced_service(NS, app_service(f"bulk{i:04d}"))
                while not reloads or reloads[-1]["backends"] < total:  # noqa: ASYNC110
                    engine.check()
                    await asyncio.sleep(0.5)
                await asyncio.sleep(3)  # old workers finish
                await core.create_namespaced_service(NS, app_service("last"))
                await apps.create_namespaced_deployment(
                    NS, app_deployment("last", 1, ready_after_s=0.5)
                )
                await first_200(haproxy.port, "last")
                last = reloads[-1]
                await asyncio.sleep(max(5.0, 2 * last["duration_ms"] / 1000))  # old worker gone
                haproxy_rss = rss_mb(*haproxy_pids(haproxy))
                engine_rss = rss_mb(engine.pid)
                stop.set()
                steady = await traffic
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
    report(
        {
            "benchmark": "ingress_routes",
            "quick": quick,
            "first_request_p50_ms": round(percentile(latencies, 50), 1),
            "first_request_p99_ms": round(percentile(latencies, 99), 1),
            "first_request_max_ms": round(max(latencies), 1),
            "apps": len(latencies),
            "reloads_for_50_apps": first_reloads,
            "backends": last["backends"],
            "reload_ms": last["duration_ms"],
            "render_ms": last["render_ms"],
            "reload_outcome": last["outcome"],
            "haproxy_rss_mb": round(haproxy_rss, 1),
            "k8s_sync_rss_mb": round(engine_rss, 1),
            "steady_requests": sum(steady.values()),
            "failed_requests": sum(v for k, v in steady.items() if k != "ok"),
            "failures": {k: v for k, v in steady.items() if k != "ok"},
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 backends instead of 2,000")
    asyncio.run(main(parser.parse_args().quick))
