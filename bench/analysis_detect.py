"""Analysis detection: how soon a bad version is caught by its metrics and put back, 10 times.

Setup: the local stack as real processes (PostgreSQL, Kafka, kubesim with 3 clusters, HAProxy
×2, Prometheus scraping every 1 s, the four services); environment `prod` → the 3 clusters.
Each run releases a fresh app (version 1 everywhere), then version 2 with the plan
[canary p1] → [rest] and an analysis of the 5xx ratio through the ingress (sampled every
INTERVAL_S over the last INTERVAL_S, failing above 5 %, one failed sample is enough), while
version 2 answers 20 % of its requests with 500 in p1 (kubesim's HTTP fault knob). A load
generator sends 100 req/s through one ingress instance the whole time and notes every answer.

Per run: the bad version *serves traffic* at the first 500 the load generator sees; it is
*detected* at the first failed sample (its `at`, from the release's analysis API); it is *back*
when p1's rollout ends rolled-back. Keys: `detect_s_p50/p99` (target p99 ≤ 3 intervals),
`rollback_s_p50/p99` (from serving to back; target ≤ 20 s), `failed_requests` (500s the load
generator saw, all runs: the cost users paid), `failed_requests_per_run`, `interval_s`, `runs`.
Usage: uv run python bench/analysis_detect.py [--quick]   (--quick: 3 runs)
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from _stack import report

from flotilla_devstack.stack import LocalStack, find_root
from flotilla_devstack.workload import app_spec

INTERVAL_S = 5.0
CLUSTERS = ("p1", "p2", "p3")
PLAN = {
    "waves": [{"name": "canary", "clusters": ["p1"]}, {"name": "rest", "rest": True}],
    "failure": {"on_failure": "pause"},
}
ANALYSIS = {
    "checks": [
        {
            "name": "errors",
            "metric": "http_5xx_ratio",
            "interval_s": INTERVAL_S,
            "count": 3,
            "cluster": {"max": 0.05},
        }
    ]
}


def main(quick: bool) -> None:
    runs = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as tmp:
        stack = LocalStack.on_free_ports(
            Path(tmp),
            cache_dir=find_root(Path(__file__).parent) / ".flotilla" / "cache",
            kubesim_clusters=CLUSTERS,
            environments=("prod",),
        )
        stack.start()
        try:
            result = asyncio.run(run(stack, runs))
        finally:
            stack.stop()
    report({"benchmark": "analysis_detect", "quick": quick, **result})


async def run(stack: LocalStack, runs: int) -> dict[str, Any]:
    await bad_version(stack, "p1")
    detect, back, failed = [], [], []
    async with httpx.AsyncClient(
        base_url=stack.urls["release-api"], headers=stack.admin_headers(), timeout=60
    ) as http:
        for i in range(runs):
            one = await one_run(stack, http, f"det-{i}")
            detect.append(one["detect_s"])
            back.append(one["rollback_s"])
            failed.append(one["failed"])
    return {
        "runs": runs,
        "interval_s": INTERVAL_S,
        "detect_s_p50": round(statistics.median(detect), 2),
        "detect_s_p99": round(max(detect), 2),  # 10 runs: the largest is the 99th percentile
        "detect_intervals_p99": round(max(detect) / INTERVAL_S, 2),
        "rollback_s_p50": round(statistics.median(back), 2),
        "rollback_s_p99": round(max(back), 2),
        "failed_requests": sum(failed),
        "failed_requests_per_run": failed,
        "detect_s": [round(d, 2) for d in detect],
        "rollback_s": [round(b, 2) for b in back],
    }


async def bad_version(stack: LocalStack, cluster: str) -> None:
    """Version 2 answers 20 % of its requests with 500 in `cluster`."""
    assert stack.kubesim is not None
    sim = stack.kubesim.clusters[cluster]
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=sim.ca_file)) as c:
        r = await c.post(
            f"{sim.url}/_kubesim/http-faults", json={"version": "2", "error_ratio": 0.2}
        )
        r.raise_for_status()


async def one_run(stack: LocalStack, http: httpx.AsyncClient, app: str) -> dict[str, float]:
    r = await http.post("/v1/apps", json=app_spec(app, ready_after_s=1))
    r.raise_for_status()
    first = await start(http, app, {"image": f"{app}/app:1", "env": "prod"})
    await finished(http, first, lambda b: b["finished_at"] is not None)
    errors: list[float] = []  # when each 500 came
    stop = asyncio.Event()
    load = asyncio.create_task(traffic(stack.ingresses[0].port, app, stop, errors))
    try:
        location = await start(
            http,
            app,
            {"image": f"{app}/app:2", "env": "prod", "plan": PLAN, "analysis": ANALYSIS},
        )
        body = await finished(http, location, lambda b: b["phase"] in ("paused", "failed"))
        await asyncio.sleep(1)
    finally:
        stop.set()
        await load
    samples = (await http.get(f"{location}/analysis")).json()["samples"]
    detected = min(_at(s["at"]) for s in samples if s["verdict"] == "failed")
    p1 = next(c for c in body["clusters"] if c["cluster"] == "p1")
    assert p1["phase"] == "rolled-back", body
    serving = min(errors)
    await http.post(f"{location}/abort")
    return {
        "detect_s": detected - serving,
        "rollback_s": _at(p1["finished_at"]) - serving,
        "failed": len(errors),
    }


async def traffic(port: int, app: str, stop: asyncio.Event, errors: list[float]) -> None:
    """100 req/s through the ingress; the wall-clock time of every 500."""
    headers = {"x-flotilla-app": f"{app}.prod"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        while not stop.is_set():
            tick = time.monotonic()
            answers = await asyncio.gather(
                *(client.get("/", headers=headers) for _ in range(10)), return_exceptions=True
            )
            now = time.time()
            errors.extend(
                now for a in answers if isinstance(a, httpx.Response) and a.status_code == 500
            )
            await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))


async def start(http: httpx.AsyncClient, app: str, body: dict[str, Any]) -> str:
    r = await http.post(f"/v1/apps/{app}/releases", json=body)
    r.raise_for_status()
    return str(r.headers["Location"])


async def finished(http: httpx.AsyncClient, location: str, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while not done(body := (await http.get(location)).json()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"release did not get there: {body}")
        await asyncio.sleep(0.1)
    return dict(body)


def _at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
