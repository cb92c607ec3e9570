"""Six kubesim clusters in three IDCs behind the local stack, for tests/test_fleet_waves.py:
helpers to release an app with a plan, watch its waves, and read what each cluster runs."""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_contracts.enums import Role
from flotilla_devstack.stack import LocalStack
from flotilla_devstack.workload import Releases, app_spec
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kube import api_client
from flotilla_runtime.settings import AuthSettings

IDCS = {"a1": "idc-a", "a2": "idc-a", "b1": "idc-b", "b2": "idc-b", "c1": "idc-c", "c2": "idc-c"}
CLUSTERS = tuple(IDCS)
NAMESPACE = "demo-prod"


@pytest.fixture(name="fleet", scope="module")
def fleet_fixture(
    tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path
) -> Iterator[LocalStack]:
    stack = LocalStack.on_free_ports(
        tmp_path_factory.mktemp("fleet"),
        cache_dir=flotilla_cache_dir,
        environments=("prod",),
        kubesim_clusters=CLUSTERS,
        idcs=IDCS,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def headers_of(subject: str, *roles: Role) -> dict[str, str]:
    token = mint_token(AuthSettings(), subject=subject, roles=list(roles) or [Role.ADMIN])
    return {"Authorization": f"Bearer {token}"}


class Fleet:
    """One app released to `prod` on the six clusters."""

    def __init__(self, stack: LocalStack, http: httpx.AsyncClient, app: str) -> None:
        self.stack = stack
        self.http = http
        self.app = app
        self.releases = Releases(http, app, {"timeout_s": 90})

    async def first(self) -> None:
        """The app, released everywhere at once (version 1)."""
        r = await self.http.post("/v1/apps", json=app_spec(self.app, ready_after_s=1))
        assert r.status_code == 201, r.text
        await self.releases.until_finished(await self.releases.start("1"))

    async def release(self, version: str, plan: dict[str, Any], **options: Any) -> str:
        body = {
            "image": f"{self.app}/app:{version}",
            "env": "prod",
            "plan": plan,
            "options": {"timeout_s": 90, **options},
        }
        r = await self.http.post(f"/v1/apps/{self.app}/releases", json=body)
        assert r.status_code == 202, r.text
        return str(r.headers["Location"])

    async def body(self, location: str) -> dict[str, Any]:
        r = await self.http.get(location)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def until(
        self, location: str, check: Any, what: str, timeout_s: float = 90
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            body = await self.body(location)
            if check(body):
                return body
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {body}"
            await asyncio.sleep(0.1)

    async def events(self, location: str) -> list[dict[str, Any]]:
        return await release_events(self.http, location)

    async def images(self) -> dict[str, str]:
        """The image each cluster's Deployment runs now."""
        assert self.stack.kubesim is not None
        out = {}
        for name, cluster in self.stack.kubesim.clusters.items():
            async with await api_client(cluster.connection()) as api:
                deployment = await client.AppsV1Api(api).read_namespaced_deployment(
                    self.app, NAMESPACE
                )
            out[name] = deployment.spec.template.spec.containers[0].image
        return out

    async def crash_loop(self, cluster: str, version: str) -> None:
        """Pods of `<app>/app:<version>` crash-loop in `cluster` (kubesim's fault knob)."""
        await self.kubesim(
            cluster, "faults", {"image": f"{self.app}/app:{version}", "fault": "CrashLoopBackOff"}
        )

    async def kubesim(self, cluster: str, knob: str, body: dict[str, Any]) -> None:
        """POST one of kubesim's knobs (`/_kubesim/<knob>`) in `cluster`."""
        assert self.stack.kubesim is not None
        sim = self.stack.kubesim.clusters[cluster]
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=sim.ca_file)) as c:
            r = await c.post(f"{sim.url}/_kubesim/{knob}", json=body)
            r.raise_for_status()


async def release_events(
    http: httpx.AsyncClient, location: str, headers: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """A release's events in order (its stream, read to its end: the release has ended)."""
    text = (await http.get(f"{location}/events", headers=headers, timeout=30)).text
    out, kind = [], ""
    for line in text.splitlines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            out.append({"type": kind, **json.loads(line[6:])})
    return out


def phases(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(cluster, phase) of each phase change, in order."""
    return [(e["cluster"], e["phase"]) for e in events if "previous_phase" in e]


def first_index(events: list[dict[str, Any]], cluster: str, phase: str) -> int:
    return phases(events).index((cluster, phase))


async def set_policy(stack: LocalStack, policy: dict[str, Any]) -> None:
    async with httpx.AsyncClient(
        base_url=stack.urls["cluster-registry"], headers=stack.admin_headers(), timeout=30
    ) as registry:
        r = await registry.put("/v1/environments/prod/policy", json=policy)
        assert r.status_code == 200, r.text
