"""Fault: PostgreSQL stopped for 10 s while a 3-cluster release runs and traffic flows through
the ingress at 100 req/s. Every piece is its own process (the local stack: PostgreSQL, Kafka,
kubesim, two HAProxy instances, the four services), as in production.

What must hold: the release ends as it would have without the fault (succeeded everywhere);
not one request through the ingress fails; API requests during the outage get 503 problems
with Retry-After, never a 500; no service process exits; every event of the release is
published once.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flotilla_devstack.haproxy import count_answers
from flotilla_devstack.stack import KUBESIM_CLUSTERS, LocalStack

pytestmark = pytest.mark.e2e

OUTAGE_S = 10.0
APP = {
    "name": "steady",
    "team": "platform",
    "type": "go",
    "app_yaml": {"stack": "debian-12", "runtime": "go-1.22", "entrypoint": "/app"},
    "replicas": {"prod": 2},
    "pod_annotations": {
        "kubesim.flotilla.io/ready-after-seconds": "4",
        "kubesim.flotilla.io/pre-stop-seconds": "1.5",
    },
}


@pytest.fixture
def stack(tmp_path: Path, flotilla_cache_dir: Path) -> Iterator[LocalStack]:
    local = LocalStack.on_free_ports(
        tmp_path / "stack", cache_dir=flotilla_cache_dir, environments=("prod",)
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()


async def _until(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_a_release_rides_out_a_database_outage(stack: LocalStack) -> None:
    assert stack.postgres is not None
    headers = stack.admin_headers()
    async with httpx.AsyncClient(
        base_url=stack.urls["release-api"], headers=headers, timeout=30
    ) as http:
        assert (await http.post("/v1/apps", json=APP)).status_code == 201
        first = await http.post(
            "/v1/apps/steady/releases", json={"image": "s/app:1", "env": "prod"}
        )
        assert first.status_code == 202, first.text

        async def done(location: str) -> bool:
            return (await http.get(location)).json()["phase"] not in ("running", "pending")

        await _until(lambda: done(first.headers["Location"]), 90, "the first release")
        stop = asyncio.Event()
        load = [
            asyncio.create_task(
                count_answers(ingress.port, stop, headers={"x-flotilla-app": "steady.prod"})
            )
            for ingress in stack.ingresses
        ]
        await asyncio.sleep(1)
        r = await http.post(
            "/v1/apps/steady/releases",
            json={"image": "s/app:2", "env": "prod", "options": {"timeout_s": 120}},
        )
        assert r.status_code == 202, r.text
        location = r.headers["Location"]

        async def rolling_out() -> bool:
            clusters = (await http.get(location)).json()["clusters"]
            return any(c["phase"] == "waiting-ready" for c in clusters)

        await _until(rolling_out, 30, "a cluster in waiting-ready")
        await asyncio.to_thread(stack.postgres.stop)
        during: Counter[int] = Counter()
        problems: set[str] = set()
        outage_ends = time.monotonic() + OUTAGE_S
        while time.monotonic() < outage_ends:
            answer = await http.get(location)
            during[answer.status_code] += 1
            if answer.status_code == 503:
                assert answer.headers["retry-after"]
                problems.add(answer.json()["type"])
            await asyncio.sleep(0.5)
        await asyncio.to_thread(stack.postgres.start)

        async def finished() -> bool:
            answer = await http.get(location)
            return answer.status_code == 200 and answer.json()["phase"] not in (
                "running",
                "pending",
            )

        await _until(finished, 120, "the release after the outage")
        body = (await http.get(location)).json()
        stop.set()
        served = await asyncio.gather(*load)
        events = (await http.get(f"{location}/events")).text

    assert body["phase"] == "succeeded", body
    assert {c["phase"] for c in body["clusters"]} == {"succeeded"}
    assert set(during) <= {200, 503}, during  # never a 500
    assert during[503] > 0, during  # the outage was met
    assert problems == {"https://flotilla.io/problems/dependency-unavailable"}
    for seen in served:
        assert set(seen) == {"ok"}, served  # not one request failed at the ingress
        assert seen["ok"] > 500
    for name, process in stack.processes.items():
        assert process.running(), f"{name} exited during the outage"
    changes = Counter(
        f"{change['cluster']}/{change['phase']}"
        for change in (
            json.loads(line.removeprefix("data: "))
            for line in events.splitlines()
            if line.startswith("data: ") and '"previous_phase"' in line
        )
    )
    assert changes == {
        f"{cluster}/{phase}": 1
        for cluster in KUBESIM_CLUSTERS
        for phase in ("applying", "waiting-ready", "waiting-ingress", "succeeded")
    }, changes
