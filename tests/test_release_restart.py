"""release-api SIGKILLed mid-rollout and started again: every rollout finishes, nothing twice.

The local stack runs every piece as its own process (PostgreSQL, Kafka, kubesim, HAProxy, the
four services), as in production; the test kills release-api's process group with SIGKILL
while its clusters are rolling out, then starts it again on the same database.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from flotilla_devstack.stack import KUBESIM_CLUSTERS, LocalStack

pytestmark = pytest.mark.e2e


def _wait(check: object, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_release_api_killed_mid_rollout_finishes_every_cluster_once(
    tmp_path: Path, flotilla_cache_dir: Path
) -> None:
    stack = LocalStack.on_free_ports(
        tmp_path / "stack", cache_dir=flotilla_cache_dir, environments=("prod",)
    )
    stack.start()
    try:
        api = stack.urls["release-api"]
        http = httpx.Client(base_url=api, headers=stack.admin_headers(), timeout=30)
        r = http.post(
            "/v1/apps",
            json={
                "name": "slow",
                "team": "platform",
                "type": "go",
                "app_yaml": {"stack": "debian-12", "runtime": "go-1.22", "entrypoint": "/app"},
                "replicas": {"prod": 2},
                "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "3"},
            },
        )
        assert r.status_code == 201, r.text
        r = http.post("/v1/apps/slow/releases", json={"image": "slow/app:1", "env": "prod"})
        assert r.status_code == 202, r.text
        location = r.headers["Location"]

        def rolling_out() -> bool:
            clusters = http.get(location).json()["clusters"]
            return any(c["phase"] == "waiting-ready" for c in clusters)

        _wait(rolling_out, 30, "a cluster in waiting-ready")
        release_api = stack.processes["release-api"]
        release_api.kill()  # SIGKILL: no shutdown code runs
        assert not release_api.running()
        release_api.start()

        def answers() -> bool:
            try:
                return httpx.get(f"{api}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(answers, 60, "release-api to come back")
        _wait(lambda: http.get(location).json()["phase"] != "running", 60, "the release")
        body = http.get(location).json()
        assert body["phase"] == "succeeded", body
        assert {c["phase"] for c in body["clusters"]} == {"succeeded"}
        stream = http.get(f"{location}/events").text
        changes = [
            json.loads(line.removeprefix("data: "))
            for line in stream.splitlines()
            if line.startswith("data: ") and '"previous_phase"' in line
        ]
        per_cluster = Counter((c["cluster"], c["phase"]) for c in changes)
        assert per_cluster == {
            (cluster, phase): 1
            for cluster in KUBESIM_CLUSTERS
            for phase in ("applying", "waiting-ready", "waiting-ingress", "succeeded")
        }, per_cluster
        http.close()
    finally:
        stack.stop()
