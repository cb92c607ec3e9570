"""`flotilla release watch` under a burst of events: does the view keep up?

A loopback server plays release-api and k8s-sync for one release of 30 clusters in 3 waves:
its event stream sends events at a fixed rate (each carrying the time it was sent), and the
release and ingress documents answer as the real ones do. The CLI's own follow loop
(flotilla_cli.watch, drawing the live tree to a terminal) reads it; each event's lag is the
time from its sending to the loop handling it. The baseline, in the same run, reads the same
stream with the CLI's transport and parses each event, doing nothing else.

Rates: 50 events/s (the issue's bar) and 500 events/s (headroom). Keys per rate: `lag_ms_p50`,
`lag_ms_p99`, `lag_ms_max`, `events`, `release_reads` (documents re-read: bursts coalesce);
and `baseline_lag_ms_p99` for the transport alone.
Usage: uv run python bench/cli_watch.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from _stack import report
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from flotilla_cli.operations import Operations
from flotilla_cli.transport import Event, Transport
from flotilla_cli.watch import Follower, follow
from flotilla_devstack.procs import free_port

CLUSTERS = 30
RELEASE_ID = "3f2a91c0-0000-4000-8000-000000000000"


def release_doc(phase: str, count: int) -> dict[str, Any]:
    now = "2026-12-05T01:00:00Z"
    return {
        "id": RELEASE_ID,
        "app": "shop",
        "env": "prod",
        "image": "shop/web:2.0",
        "strategy": "rolling",
        "phase": phase,
        "rollback_of": None,
        "created_at": now,
        "finished_at": now if phase == "succeeded" else None,
        "plan": {"waves": [{"name": f"w{i}", "state": "running"} for i in range(3)]},
        "clusters": [
            {
                "cluster": f"c{i:02d}",
                "idc": f"idc-{i % 3}",
                "wave": i % 3,
                "phase": "succeeded" if phase == "succeeded" else "waiting-ready",
                "progress": {"ready": count % 3, "desired": 2},
                "error": None,
                "started_at": now,
                "finished_at": None,
            }
            for i in range(CLUSTERS)
        ],
    }


def server(rate: float, seconds: float, counters: dict[str, int]) -> FastAPI:
    app = FastAPI()
    state = {"sent": 0, "done": False}

    @app.get("/v1/apps/shop/releases/{rid}")
    async def get_release(rid: str) -> dict[str, Any]:
        counters["release_reads"] += 1
        return release_doc("succeeded" if state["done"] else "running", state["sent"])

    @app.get("/v1/sync/apps/shop/prod")
    async def sync_status() -> dict[str, Any]:
        counters["ingress_reads"] += 1
        return {"desired": [], "instances": []}

    @app.get("/v1/apps/shop/releases/{rid}/events")
    async def events(rid: str) -> StreamingResponse:
        async def stream() -> AsyncIterator[bytes]:
            total = int(rate * seconds)
            start = time.monotonic()
            for n in range(1, total + 1):
                await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
                data = {
                    "cluster": f"c{n % CLUSTERS:02d}",
                    "desired": 2,
                    "updated": 2,
                    "ready": n % 3,
                    "sent": time.time(),
                }
                state["sent"] = n
                kind = "io.flotilla.rollout.progressed"
                yield f"id: {n}\nevent: {kind}\ndata: {json.dumps(data)}\n\n".encode()
            state["done"] = True

        return StreamingResponse(stream(), media_type="text/event-stream")

    return app


def serve(app: FastAPI) -> tuple[uvicorn.Server, str]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
    srv = uvicorn.Server(config)
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    return srv, f"http://127.0.0.1:{port}"


def ops_for(url: str) -> Operations:
    return Operations(Transport({"release-api": url, "k8s-sync": url}, None))


def run_watch(rate: float, seconds: float) -> dict[str, Any]:
    counters = {"release_reads": 0, "ingress_reads": 0}
    srv, url = serve(server(rate, seconds, counters))
    lags: list[float] = []

    def seen(event: Event) -> None:
        lags.append((time.time() - event.data["sent"]) * 1000)

    with open(os.devnull, "w") as screen:
        follower = Follower(ops_for(url), ops_for(url), "shop", RELEASE_ID)
        follow(follower, live=True, timeout_s=seconds + 30, out=screen, on_event=seen)
    srv.should_exit = True
    lags.sort()
    return {
        "lag_ms_p50": round(statistics.median(lags), 2),
        "lag_ms_p99": round(lags[int(len(lags) * 0.99) - 1], 2),
        "lag_ms_max": round(lags[-1], 2),
        "events": len(lags),
        "release_reads": counters["release_reads"],
    }


def run_baseline(rate: float, seconds: float) -> float:
    counters = {"release_reads": 0, "ingress_reads": 0}
    srv, url = serve(server(rate, seconds, counters))
    lags: list[float] = []
    for event in ops_for(url).follow_release(app="shop", release_id=RELEASE_ID):
        lags.append((time.time() - event.data["sent"]) * 1000)
    srv.should_exit = True
    lags.sort()
    return round(lags[int(len(lags) * 0.99) - 1], 2)


def main(quick: bool) -> None:
    seconds = 4.0 if quick else 10.0
    result: dict[str, Any] = {}
    result["baseline_lag_ms_p99"] = run_baseline(50, seconds)
    for rate in (50, 500):
        for key, value in run_watch(rate, seconds).items():
            result[f"{key}_at_{rate}"] = value
    report(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
