"""Fleet release: one release walks 20 kubesim clusters in 4 waves with a soak after each,
against the plan's own lower bound; then the whole fleet is rolled back in one command.

Setup: the local stack as real processes (PostgreSQL, Kafka, kubesim with 20 clusters in 4
IDCs and pod listeners, HAProxy, the four services); environment `fleet` → the 20 clusters.
The app's pods become ready READY_S after they start. Plan: a canary cluster, then 3 clusters,
then 50 % of the rest, then the rest, each wave soaking SOAK_S, all clusters of a wave at once.

Keys: `total_s` (the release's own duration), `bound_s` (the plan's lower bound: the sum of
the soaks plus, per wave, its slowest cluster from start to end — what the clusters themselves
took), `overhead_ratio` (total / bound; target ≤ 1.10), `rollback_s` (a rollback of every
cluster to the previous release, from the request to `rolled-back`; target ≤ 15 s), `cpu_s`
and `cpu_s_per_cluster` (release-api during the planned release), `clusters`, `waves`.
Usage: uv run python bench/fleet_release.py [--quick]   (--quick: 8 clusters, soak 2 s)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from _stack import report
from release_fanout import cpu_seconds

from flotilla_devstack.stack import LocalStack, find_root

READY_S = 2.0
REPLICAS = 2


def main(quick: bool) -> None:
    count = 8 if quick else 20
    soak = 2.0 if quick else 5.0
    clusters = tuple(f"f{i:02d}" for i in range(count))
    idcs = {c: f"idc-{i % 4}" for i, c in enumerate(clusters)}
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        stack = LocalStack.on_free_ports(
            Path(tmp),
            cache_dir=find_root(Path(__file__).parent) / ".flotilla" / "cache",
            kubesim_clusters=clusters,
            idcs=idcs,
            environments=(),
        )
        stack.start()
        try:
            result = run(stack, clusters, soak)
        finally:
            stack.stop()
    report({"benchmark": "fleet_release", "quick": quick, "clusters": count, **result})


def run(stack: LocalStack, clusters: tuple[str, ...], soak: float) -> dict[str, Any]:
    headers = stack.admin_headers()
    with httpx.Client(base_url=stack.urls["cluster-registry"], headers=headers, timeout=60) as reg:
        r = reg.post(
            "/v1/environments",
            json={
                "name": "fleet",
                "clusters": [{"cluster": c, "namespace": "fleet"} for c in clusters],
            },
        )
        r.raise_for_status()
    release_api = stack.processes["release-api"]
    assert release_api.pid is not None
    plan = {
        "waves": [
            {"name": "canary", "count": 1, "soak_s": soak},
            {"name": "early", "count": 3, "soak_s": soak},
            {"name": "half", "percent": 50, "soak_s": soak},
            {"name": "rest", "rest": True, "soak_s": soak},
        ]
    }
    with httpx.Client(base_url=stack.urls["release-api"], headers=headers, timeout=60) as http:
        r = http.post(
            "/v1/apps",
            json={
                "name": "fleet",
                "team": "bench",
                "type": "go",
                "app_yaml": {"stack": "debian-12", "runtime": "go-1.22", "entrypoint": "/app"},
                "replicas": {"fleet": REPLICAS},
                "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": str(READY_S)},
            },
        )
        r.raise_for_status()
        first = finish(http, start(http, {"image": "fleet/app:1", "env": "fleet"}))
        cpu0 = cpu_seconds(release_api.pid)
        body = finish(http, start(http, {"image": "fleet/app:2", "env": "fleet", "plan": plan}))
        cpu = cpu_seconds(release_api.pid) - cpu0
        total = seconds(body["created_at"], body["finished_at"])
        bound = sum(w["soak_s"] for w in body["plan"]["waves"])
        for index in range(len(body["plan"]["waves"])):
            bound += max(
                seconds(c["started_at"], c["finished_at"])
                for c in body["clusters"]
                if c["wave"] == index
            )
        started = time.monotonic()
        back = finish(http, start(http, {}, path=f"/v1/apps/fleet/releases/{first['id']}/rollback"))
        rollback_s = time.monotonic() - started
    return {
        "waves": len(body["plan"]["waves"]),
        "soak_s": soak,
        "ready_s": READY_S,
        "total_s": round(total, 2),
        "bound_s": round(bound, 2),
        "overhead_ratio": round(total / bound, 3),
        "rollback_s": round(rollback_s, 2),
        "rollback_phase": back["phase"],
        "cpu_s": round(cpu, 2),
        "cpu_s_per_cluster": round(cpu / len(clusters), 3),
    }


def start(
    http: httpx.Client, body: dict[str, Any], *, path: str = "/v1/apps/fleet/releases"
) -> str:
    r = http.post(path, json=body or None)
    r.raise_for_status()
    return str(r.headers["Location"])


def finish(http: httpx.Client, location: str) -> dict[str, Any]:
    started = time.monotonic()
    while (body := http.get(location).json())["phase"] in ("running", "pending"):
        if time.monotonic() - started > 600:
            raise RuntimeError(f"release did not finish: {body}")
        time.sleep(0.05)
    if body["phase"] not in ("succeeded", "rolled-back"):
        raise RuntimeError(f"release ended {body['phase']}: {body}")
    return dict(body)


def seconds(start_at: str, end_at: str) -> float:
    return (datetime.fromisoformat(end_at) - datetime.fromisoformat(start_at)).total_seconds()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
