"""kubesim watch delivery: write → watcher event latency, and events/s, with 20 watchers on
10,000 pods (the floor every sync benchmark is compared against).

Phases against one kubesim process (a real HTTPS API server in another process):
1. populate: create the pods (bounded concurrency) and wait until every one is Running;
2. latency: 20 watchers stream the namespace's pods from the current resourceVersion; one pod
   annotation is patched every 10 ms; latency = watcher receipt − the write's start, per watcher;
3. throughput: a burst of patches from 16 writers; events/s = events delivered to all watchers
   / (last receipt − first write).
Baseline in the same run: the same writes' request round trip alone (`write_rtt_*`).
Usage: uv run python bench/kubesim_watch.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from _stack import percentile, report

from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster

NS = "bench"
MARK = "bench/mark"


class Watcher:
    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self.events = 0
        self.last_at = 0.0

    async def run(self, http: aiohttp.ClientSession, url: str, rv: str) -> None:
        params = {
            "watch": "true",
            "resourceVersion": rv,
            "timeoutSeconds": "600",
            "allowWatchBookmarks": "true",
        }
        async with http.get(f"{url}/api/v1/namespaces/{NS}/pods", params=params) as response:
            async for line in response.content:
                now = time.perf_counter()
                event = json.loads(line)
                if event["type"] == "BOOKMARK":
                    continue
                self.events += 1
                self.last_at = now
                mark = (event["object"]["metadata"].get("annotations") or {}).get(MARK)
                if mark:
                    self.received.setdefault(mark, now)


async def main(quick: bool) -> None:
    pods = 1_000 if quick else 10_000
    watchers_n = 20
    latency_writes = 200 if quick else 500
    burst_writes = 1_000 if quick else 5_000
    with tempfile.TemporaryDirectory(prefix="bench-kubesim-") as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(
            yaml.safe_dump(
                {
                    "clusters": [
                        {
                            "name": "bench",
                            "nodes": 4,
                            "node": {"cpu": "1000", "memory": "4Ti", "pods": pods},
                        }
                    ]
                }
            )
        )
        process = KubesimProcess(Path(tmp) / "ks", clusters=("bench",), scenario=scenario)
        process.start()
        try:
            result = await run(
                process.clusters["bench"], pods, watchers_n, latency_writes, burst_writes
            )
        finally:
            process.stop()
    report({"benchmark": "kubesim_watch", "quick": quick, **result})


async def run(
    cluster: SimulatedCluster, pods: int, watchers_n: int, latency_writes: int, burst_writes: int
) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=cluster.ca_file)
    headers = {"Authorization": f"Bearer {cluster.token}"}
    connector = aiohttp.TCPConnector(ssl=context, limit=200)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as http:
        url = cluster.url
        await http.post(f"{url}/api/v1/namespaces", json={"metadata": {"name": NS}})
        start = time.perf_counter()
        await populate(http, url, pods)
        populate_s = time.perf_counter() - start
        listed = await (await http.get(f"{url}/api/v1/namespaces/{NS}/pods?limit=1")).json()
        rv = listed["metadata"]["resourceVersion"]
        watchers = [Watcher() for _ in range(watchers_n)]
        tasks = [asyncio.create_task(w.run(http, url, rv)) for w in watchers]
        await asyncio.sleep(1.0)
        try:
            latencies, rtts = await latency_phase(http, url, watchers, latency_writes, pods)
            events_per_s, delivered = await burst_phase(http, url, watchers, burst_writes, pods)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "pods": pods,
        "watchers": watchers_n,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "events_per_s": round(events_per_s, 1),
        "burst_events_delivered": delivered,
        "write_rtt_p50_ms": round(percentile(rtts, 50), 2),
        "write_rtt_p99_ms": round(percentile(rtts, 99), 2),
        "populate_s": round(populate_s, 1),
    }


async def populate(http: aiohttp.ClientSession, url: str, pods: int) -> None:
    semaphore = asyncio.Semaphore(32)

    async def create(i: int) -> None:
        body = {
            "metadata": {
                "name": f"p-{i:05d}",
                "labels": {"app": "bench"},
                "annotations": {"kubesim.flotilla.io/ready-after-seconds": "0"},
            },
            "spec": {"containers": [{"name": "app", "image": "bench:1"}]},
        }
        async with semaphore:
            async with http.post(f"{url}/api/v1/namespaces/{NS}/pods", json=body) as r:
                if r.status != 201:
                    raise RuntimeError(f"create failed: {r.status} {await r.text()}")

    await asyncio.gather(*(create(i) for i in range(pods)))
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        listed = await (
            await http.get(
                f"{url}/api/v1/namespaces/{NS}/pods?fieldSelector=status.phase=Running&limit=1"
            )
        ).json()
        running = len(listed["items"]) + int(listed["metadata"].get("remainingItemCount", 0))
        if running >= pods:
            return
        await asyncio.sleep(0.5)
    raise TimeoutError("pods did not all start")


async def patch(http: aiohttp.ClientSession, url: str, pod: str, mark: str) -> None:
    async with http.patch(
        f"{url}/api/v1/namespaces/{NS}/pods/{pod}",
        data=json.dumps({"metadata": {"annotations": {MARK: mark}}}),
        headers={"Content-Type": "application/merge-patch+json"},
    ) as r:
        if r.status != 200:
            raise RuntimeError(f"patch failed: {r.status} {await r.text()}")


async def latency_phase(
    http: aiohttp.ClientSession, url: str, watchers: list[Watcher], writes: int, pods: int
) -> tuple[list[float], list[float]]:
    sent: dict[str, float] = {}
    rtts = []
    for i in range(writes):
        mark = f"l{i}"
        start = time.perf_counter()
        sent[mark] = start
        await patch(http, url, f"p-{(i * 7919) % pods:05d}", mark)
        rtts.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.01)
    await wait_all(watchers, set(sent))
    latencies = [(w.received[m] - t) * 1000 for w in watchers for m, t in sent.items()]
    return latencies, rtts


async def burst_phase(
    http: aiohttp.ClientSession, url: str, watchers: list[Watcher], writes: int, pods: int
) -> tuple[float, int]:
    before = sum(w.events for w in watchers)
    marks = {f"b{i}" for i in range(writes)}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(writes):
        queue.put_nowait(i)

    async def writer() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            await patch(http, url, f"p-{(i * 104729) % pods:05d}", f"b{i}")

    start = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(16)))
    await wait_all(watchers, marks)
    delivered = sum(w.events for w in watchers) - before
    elapsed = max(w.last_at for w in watchers) - start
    return delivered / elapsed, delivered


async def wait_all(watchers: list[Watcher], marks: set[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while any(not marks <= w.received.keys() for w in watchers):
        if time.monotonic() > deadline:
            missing = max(len(marks - w.received.keys()) for w in watchers)
            raise TimeoutError(f"watchers missing up to {missing} events")
        await asyncio.sleep(0.01)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pods (< 60 s on 2 cores)")
    asyncio.run(main(parser.parse_args().quick))
