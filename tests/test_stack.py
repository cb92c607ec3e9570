"""The README's first command: the stack comes up, serves, stops cleanly, restarts on its data."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from flotilla_devstack.stack import SERVICES

from .stack_world import admin_headers, run_stack, stack_args, stop_stack

pytestmark = pytest.mark.e2e


def create_and_release(release_api: str, app: dict[str, Any], image: str) -> dict[str, Any]:
    """An app, its release to prod, waited for: the body of the finished release."""
    with httpx.Client(base_url=release_api, headers=admin_headers(), timeout=30) as http:
        r = http.post("/v1/apps", json=app)
        assert r.status_code == 201, r.text
        r = http.post(f"/v1/apps/{app['name']}/releases", json={"image": image, "env": "prod"})
        assert r.status_code == 202, r.text
        location = r.headers["Location"]
        deadline = time.monotonic() + 60
        body: dict[str, Any] = http.get(location).json()
        while body["phase"] == "running":
            assert time.monotonic() < deadline, body
            time.sleep(0.2)
            body = http.get(location).json()
    assert body["phase"] == "succeeded", body
    return body


def release_demo(release_api: str, ingress: str) -> None:
    """What a user does first: an app, a release to prod, a request through the ingress."""
    app = {
        "name": "demo",
        "team": "platform",
        "type": "python",
        "app_yaml": {
            "stack": "debian-12",
            "runtime": "python-3.11",
            "entrypoint": "gunicorn app:wsgi",
        },
        "replicas": {"prod": 2},
        "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "0.2"},
    }
    body = create_and_release(release_api, app, "demo/web:1.0")
    assert len(body["clusters"]) == 3
    answer = httpx.get(ingress, headers={"x-flotilla-app": "demo.prod"}, timeout=5)
    assert answer.status_code == 200, answer.text
    assert answer.json()["pod"].startswith("demo-")


def release_second_app(release_api: str, ingresses: list[str]) -> None:
    """The README's second app: its own hostname, no file edited, answered by both instances."""
    app = {
        "name": "shop",
        "team": "commerce",
        "type": "node",
        "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "node ."},
        "replicas": {"prod": 1},
        "hosts": {"prod": ["shop.example.com"]},
        "pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "0.2"},
    }
    create_and_release(release_api, app, "shop/web:1.0")
    for ingress in ingresses:
        for host in ("shop.prod.apps.localhost", "shop.example.com"):
            answer = httpx.get(ingress, headers={"host": host}, timeout=5)
            assert answer.status_code == 200, (ingress, host, answer.text)
            assert answer.json()["pod"].startswith("shop-")
        unknown = httpx.get(ingress, headers={"host": "nobody.example.com"}, timeout=5)
        assert unknown.status_code == 404
        assert unknown.json()["title"] == "No application is routed here"


def metrics_of_demo(monitor: str) -> None:
    """The stack's Prometheus scrapes kubesim: the demo app's pods have memory series."""
    deadline = time.monotonic() + 30
    while True:
        r = httpx.get(
            f"{monitor}/v1/apps/demo/metrics",
            params={"metric": "memory_working_set_bytes", "step_s": 5},
            headers=admin_headers(),
            timeout=10,
        )
        assert r.status_code == 200, r.text
        if len(r.json()["series"]) == 6:  # 2 pods in each of the 3 clusters
            return
        assert time.monotonic() < deadline, r.json()
        time.sleep(1)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_stack_up_serves_every_service_and_stops_without_orphans(
    tmp_path: Path, flotilla_cache_dir: Path
) -> None:
    base, args = stack_args(tmp_path / "state", flotilla_cache_dir)
    proc, summary = run_stack(args, tmp_path / "first.log")
    try:
        described = json.loads((tmp_path / "state" / "stack.json").read_text())
        for service in SERVICES:
            url = f"http://127.0.0.1:{base + service.offset}"
            assert any(line.strip().startswith(service.name) and url in line for line in summary)
            ready = httpx.get(f"{url}/readyz", timeout=5)
            assert ready.status_code == 200, ready.text
            openapi = httpx.get(f"{url}/openapi.json", timeout=5).json()
            assert openapi["info"]["title"].startswith("Flotilla")
        ingresses = [described["urls"][n].split()[0] for n in ("ingress-a", "ingress-b")]
        release_demo(f"http://127.0.0.1:{base}", ingresses[0])
        release_second_app(f"http://127.0.0.1:{base}", ingresses)
        metrics_of_demo(f"http://127.0.0.1:{base + 3}")
    finally:
        code = stop_stack(proc)
    assert code == 0
    pids = {name: pid for name, pid in described["pids"].items() if pid}
    expected = {"postgres", "kafka", "kubesim", "haproxy-ingress-a", "haproxy-ingress-b"}
    expected |= {"prometheus"}
    assert expected | {s.name for s in SERVICES} <= set(pids)
    time.sleep(0.5)
    survivors = {name: pid for name, pid in pids.items() if alive(pid)}
    assert not survivors, f"processes left running after Ctrl-C: {survivors}"
    first_log = (tmp_path / "first.log").read_text()
    assert "created topics" in first_log

    # A second run reuses the data: the database, topics, clusters and the app are there.
    proc, _ = run_stack(args, tmp_path / "second.log")
    try:
        headers = admin_headers()
        apps = httpx.get(f"http://127.0.0.1:{base}/v1/apps", headers=headers, timeout=10).json()
        assert [a["name"] for a in apps["items"]] == ["demo", "shop"]
    finally:
        assert stop_stack(proc) == 0
    second_log = (tmp_path / "second.log").read_text()
    assert "created topics" not in second_log, second_log
