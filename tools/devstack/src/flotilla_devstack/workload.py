"""An app released to `prod` on the local stack as a user drives it, and traffic through every
ingress instance meanwhile: what the fault suite and the benchmarks put under load."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from flotilla_devstack.haproxy import count_answers
from flotilla_devstack.stack import LocalStack

TERMINAL = ("succeeded", "failed", "partially-failed", "aborted", "rolled-back")


def app_spec(name: str, *, replicas: int = 2, ready_after_s: float = 4) -> dict[str, Any]:
    """An app whose pods take a while to become ready, so a fault meets a rollout midway."""
    return {
        "name": name,
        "team": "platform",
        "type": "go",
        "app_yaml": {"stack": "debian-12", "runtime": "go-1.22", "entrypoint": "/app"},
        "replicas": {"prod": replicas},
        "pod_annotations": {
            "kubesim.flotilla.io/ready-after-seconds": str(ready_after_s),
            "kubesim.flotilla.io/pre-stop-seconds": "1.5",
        },
    }


class Releases:
    """An app's releases to `prod`, driven through release-api's API as a user does."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        app: str,
        options: Mapping[str, Any] | None = None,
        *,
        strategy: str = "rolling",
    ) -> None:
        self.http = http
        self.app = app
        self.options = {"timeout_s": 120, **(options or {})}
        self.strategy = strategy

    async def create_app(self) -> None:
        r = await self.http.post("/v1/apps", json=app_spec(self.app))
        assert r.status_code == 201, r.text

    async def start(self, version: str, *, strategy: str | None = None, **options: Any) -> str:
        """A release of `<app>/app:<version>` (this object's strategy and options, unless
        given); its location."""
        r = await self.http.post(
            f"/v1/apps/{self.app}/releases",
            json={
                "image": f"{self.app}/app:{version}",
                "env": "prod",
                "strategy": strategy or self.strategy,
                "options": {**self.options, **options},
            },
        )
        assert r.status_code == 202, r.text
        return str(r.headers["Location"])

    async def until_phase(
        self, location: str, phase: str, timeout_s: float = 60, *, every: bool = False
    ) -> dict[str, Any]:
        """Until a cluster of the release (`every`: each cluster) is in `phase`; its body."""
        deadline = time.monotonic() + timeout_s
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            body = (await self.http.get(location)).json()
            if (all if every else any)(c["phase"] == phase for c in body["clusters"]):
                return body
            await asyncio.sleep(0.1)
        which = "not every" if every else "no"
        raise AssertionError(f"{which} cluster reached {phase} within {timeout_s} s: {body}")

    async def until_finished(self, location: str, timeout_s: float = 120) -> dict[str, Any]:
        """The release once it ended (its body); answers other than 200 are waited out."""
        deadline = time.monotonic() + timeout_s
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                r = await self.http.get(location)
            except httpx.TransportError:
                r = None
            if r is not None and r.status_code == 200:
                body = r.json()
                if body["phase"] in TERMINAL:
                    return body
            await asyncio.sleep(0.25)
        raise AssertionError(f"the release did not end within {timeout_s} s: {body}")

    async def phase_changes(self, location: str) -> Counter[str]:
        """ "cluster/phase" → how many times the release's events say it was entered."""
        return _phase_changes((await self.http.get(f"{location}/events")).text)


class Traffic:
    """100 req/s to the app through every ingress instance while the block runs; `served`:
    each instance's answers (flotilla_devstack.haproxy.count_answers)."""

    def __init__(self, stack: LocalStack, app: str) -> None:
        self.stack = stack
        self.app = app
        self.served: list[Counter[str]] = []
        self.failures: list[str] = []  # when each failed, and how (all instances)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Counter[str]]] = []

    async def __aenter__(self) -> Traffic:
        headers = {"x-flotilla-app": f"{self.app}.prod"}
        self._tasks = [
            asyncio.create_task(
                count_answers(ingress.port, self._stop, headers=headers, failures=self.failures)
            )
            for ingress in self.stack.ingresses
        ]
        await asyncio.sleep(1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.sleep(1)  # requests in flight as the last pods changed
        self._stop.set()
        self.served = list(await asyncio.gather(*self._tasks))

    @property
    def failed(self) -> int:
        return sum(n for seen in self.served for what, n in seen.items() if what != "ok")


def _phase_changes(stream: str) -> Counter[str]:
    return Counter(
        f"{change['cluster']}/{change['phase']}"
        for change in (
            json.loads(line.removeprefix("data: "))
            for line in stream.splitlines()
            if line.startswith("data: ") and '"previous_phase"' in line
        )
    )


def reloads_near(stack: LocalStack, failures: list[str], window_s: float = 3.0) -> list[str]:
    """k8s-sync's `ingress_reloaded` lines within `window_s` of a failed request: whether
    a failure is a reload's connection hand-over, or something else."""
    if not failures:
        return []
    times = [datetime.fromisoformat(f.split(" ", 1)[0]) for f in failures]
    process = stack.processes.get("k8s-sync")
    lines = process.log_path.read_text(errors="replace").splitlines() if process else []
    near = []
    for line in lines:
        if "ingress_reloaded" not in line:
            continue
        try:
            at = datetime.fromisoformat(json.loads(line)["timestamp"].replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            continue
        if any(abs((at - t).total_seconds()) <= window_s for t in times):
            near.append(f"k8s-sync: {line[:300]}")
    return near or ["no ingress reload within 3 s of them"]
