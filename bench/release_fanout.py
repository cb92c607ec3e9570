"""Release fan-out: the same release to 1 and to 10 kubesim clusters; clusters run in parallel.

Setup: the local stack as real processes (PostgreSQL, Kafka, kubesim with 10 clusters and pod
listeners, HAProxy, the four services), environment `one` → 1 cluster, `ten` → 10 clusters.
The app's pods become ready a fixed `READY_S` after they start. Each time: from the POST of
the release to the release's `succeeded` (every cluster rolled out and its ingress confirmed by
k8s-sync). CPU: release-api's and k8s-sync's own CPU seconds during the 10-cluster release.
Keys: t1_s, t10_s, ratio (t10 / t1; target ≤ 1.3), cpu_s (release-api), sync_cpu_s.
Usage: uv run python bench/release_fanout.py [--quick]   (--quick: 1 and 4 clusters)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import httpx
from _stack import report

from flotilla_devstack.stack import LocalStack, find_root

READY_S = 2.0
REPLICAS = 2


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def release_once(http: httpx.Client, env: str, image: str) -> float:
    started = time.monotonic()
    r = http.post("/v1/apps/fan/releases", json={"image": image, "env": env})
    r.raise_for_status()
    location = r.headers["Location"]
    while (body := http.get(location).json())["phase"] == "running":
        if time.monotonic() - started > 300:
            raise RuntimeError(f"release to {env} did not finish: {body}")
        time.sleep(0.05)
    if body["phase"] != "succeeded":
        raise RuntimeError(f"release to {env} ended {body['phase']}: {body}")
    return time.monotonic() - started


def main(quick: bool) -> None:
    many = 4 if quick else 10
    clusters = tuple(f"fan{i}" for i in range(many))
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        stack = LocalStack.on_free_ports(
            Path(tmp),
            cache_dir=find_root(Path(__file__).parent) / ".flotilla" / "cache",
            kubesim_clusters=clusters,
            environments=(),
        )
        stack.start()
        try:
            result = run(stack, clusters)
        finally:
            stack.stop()
    report({"benchmark": "release_fanout", "quick": quick, "clusters": many, **result})


def run(stack: LocalStack, clusters: tuple[str, ...]) -> dict[str, float]:
    headers = stack.admin_headers()
    with httpx.Client(base_url=stack.urls["cluster-registry"], headers=headers, timeout=30) as reg:
        for env, members in (("one", clusters[:1]), ("many", clusters)):
            r = reg.post(
                "/v1/environments",
                json={
                    "name": env,
                    "clusters": [{"cluster": c, "namespace": f"fan-{env}"} for c in members],
                },
            )
            r.raise_for_status()
    release_api = stack.processes["release-api"]
    k8s_sync = stack.processes["k8s-sync"]
    assert release_api.pid is not None
    assert k8s_sync.pid is not None
    with httpx.Client(base_url=stack.urls["release-api"], headers=headers, timeout=30) as http:
        r = http.post(
            "/v1/apps",
            json={
                "name": "fan",
                "team": "bench",
                "type": "go",
                "app_yaml": {"stack": "debian-12", "runtime": "go-1.22", "entrypoint": "/app"},
                "replicas": {"one": REPLICAS, "many": REPLICAS},
                "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": str(READY_S)},
            },
        )
        r.raise_for_status()
        t1 = release_once(http, "one", "fan/app:1")
        cpu0, sync0 = cpu_seconds(release_api.pid), cpu_seconds(k8s_sync.pid)
        t_many = release_once(http, "many", "fan/app:1")
        cpu = cpu_seconds(release_api.pid) - cpu0
        sync_cpu = cpu_seconds(k8s_sync.pid) - sync0
    return {
        "ready_s": READY_S,
        "t1_s": round(t1, 2),
        "t10_s": round(t_many, 2),
        "ratio": round(t_many / t1, 2),
        "cpu_s": round(cpu, 2),
        "sync_cpu_s": round(sync_cpu, 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
