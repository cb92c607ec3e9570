"""release-api reads under load, beside a bare FastAPI endpoint on the same machine, same run.

Setup: the local stack as real processes; app `reads` with a history of N releases (each a
real rolling release to 2 kubesim clusters). Load: an asyncio generator (aiohttp, C concurrent
connections) for D seconds alternating `GET /v1/apps/reads` and `GET /v1/apps/reads/releases
?limit=20` (each release with its per-cluster rollouts), with a developer token. Baseline: the
same generator against a bare FastAPI endpoint (`bench/_bare_app.py`) served by uvicorn (one
process, like release-api). Both servers share the 2 cores with the generator.
Keys: rps, p99_ms, baseline_rps, baseline_p99_ms, ratio (rps / baseline_rps; target ≥ 0.5).
Usage: uv run python bench/api_reads.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx
from _stack import percentile, report

from flotilla_devstack.procs import ManagedProcess, free_port, port_open
from flotilla_devstack.stack import LocalStack, find_root

CONCURRENCY = 32


async def load(
    urls: list[str], headers: dict[str, str], seconds: float
) -> tuple[float, float, int]:
    """(requests/s, p99 ms, errors) of CONCURRENCY workers cycling through `urls`."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with session.get(urls[i % len(urls)]) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
                i += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, percentile(latencies, 99), errors


def make_history(stack: LocalStack, releases: int) -> None:
    headers = stack.admin_headers()
    with httpx.Client(base_url=stack.urls["release-api"], headers=headers, timeout=30) as http:
        r = http.post(
            "/v1/apps",
            json={
                "name": "reads",
                "team": "bench",
                "type": "node",
                "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "node ."},
                "replicas": {"prod": 1},
                "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "0"},
            },
        )
        r.raise_for_status()
        for i in range(releases):
            r = http.post(
                "/v1/apps/reads/releases", json={"image": f"reads/app:{i}", "env": "prod"}
            )
            r.raise_for_status()
            location = r.headers["Location"]
            while http.get(location).json()["phase"] == "running":
                time.sleep(0.05)


def main(quick: bool) -> None:
    releases, seconds = (5, 5.0) if quick else (25, 15.0)
    with tempfile.TemporaryDirectory(prefix="bench-reads-") as tmp:
        stack = LocalStack.on_free_ports(
            Path(tmp),
            cache_dir=find_root(Path(__file__).parent) / ".flotilla" / "cache",
            environments=("prod",),
        )
        stack.start()
        bare_port = free_port()
        bare = ManagedProcess(
            "bare-fastapi",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "_bare_app:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
            ],
            log_path=Path(tmp) / "bare.log",
            cwd=Path(__file__).parent,
        )
        try:
            make_history(stack, releases)
            bare.start()
            bare.wait_until(lambda: port_open("127.0.0.1", bare_port), 30, "bare FastAPI")
            api = stack.urls["release-api"]
            rps, p99, errors = asyncio.run(
                load(
                    [f"{api}/v1/apps/reads", f"{api}/v1/apps/reads/releases?limit=20"],
                    stack.admin_headers(),
                    seconds,
                )
            )
            base_rps, base_p99, base_errors = asyncio.run(
                load([f"http://127.0.0.1:{bare_port}/v1/ping"], {}, seconds)
            )
        finally:
            bare.stop()
            stack.stop()
    report(
        {
            "benchmark": "api_reads",
            "quick": quick,
            "releases": releases,
            "concurrency": CONCURRENCY,
            "seconds": seconds,
            "rps": round(rps, 1),
            "p99_ms": round(p99, 2),
            "errors": errors,
            "baseline_rps": round(base_rps, 1),
            "baseline_p99_ms": round(base_p99, 2),
            "baseline_errors": base_errors,
            "ratio": round(rps / base_rps, 3),
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
