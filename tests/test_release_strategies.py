"""release-api end to end (tests/release_world.py): blue-green, gray, pause/resume, abort, a
restart of release-api mid-rollout during a cluster outage, and a restart of an app."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest

from .release_world import (  # noqa: F401 (fixtures)
    ADMIN,
    CLUSTERS,
    DEV,
    ENV,
    World,
    app_body,
    finished,
    images_of,
    pods_of,
    processes_fixture,
    served_pods,
    start_release,
    traffic,
    traffic_to,
    until_any,
    until_phases,
    world_fixture,
)

pytestmark = pytest.mark.e2e


async def test_blue_green_gray_and_operations(world: World) -> None:
    http = world.release

    # --- blue-green, manual promote, under traffic; then auto promote; then fast rollback.
    assert (await http.post("/v1/apps", headers=DEV, json=app_body("bg"))).status_code == 201
    await finished(http, await start_release(http, "bg", "bg/app:1"))
    v2 = await start_release(
        http, "bg", "bg/app:2", strategy="blue-green", promote="manual", scale_down_delay_s=60
    )
    await until_phases(http, v2, "waiting-promote")
    stable_pods = await pods_of(world, "rel-a", "flotilla.io/app=bg,flotilla.io/stage=stable")
    blue_pods = await pods_of(world, "rel-a", "flotilla.io/app=bg,flotilla.io/stage=blue")
    assert len(stable_pods) == len(blue_pods) == 2
    served = set(await served_pods(world, "bg"))
    assert stable_pods <= served
    assert not blue_pods & served  # the idle colour gets no traffic before the promote
    stop = asyncio.Event()
    load = asyncio.create_task(traffic_to(world.haproxy, "bg", stop))
    r = await http.post(f"{v2}/promote", headers=DEV)
    assert r.status_code == 200, r.text
    done = await finished(http, v2)
    assert done["phase"] == "succeeded", done
    served = set(await served_pods(world, "bg"))
    assert blue_pods <= served
    assert not stable_pods & served
    v3 = await start_release(http, "bg", "bg/app:3", strategy="blue-green", scale_down_delay_s=60)
    third = await finished(http, v3)  # auto promote
    assert third["phase"] == "succeeded", third
    stop.set()
    seen = await load
    assert seen["ok"] > 50, seen
    assert set(seen) == {"ok"}, f"failed requests during the blue-green switches: {seen}"
    # Roll back to v2: blue still runs (kept for the scale-down delay) → a switch back, no new pods.
    r = await http.post(f"{v2}/rollback", headers=DEV)
    assert r.status_code == 202, r.text
    back = await finished(http, r.headers["Location"])
    assert back["phase"] == "rolled-back", back
    assert await pods_of(world, "rel-a", "flotilla.io/app=bg,flotilla.io/stage=blue") == blue_pods
    assert blue_pods <= set(await served_pods(world, "bg"))

    # --- gray: abort puts it back; then gray → promote → stable rolled, gray removed.
    assert (await http.post("/v1/apps", headers=DEV, json=app_body("canary"))).status_code == 201
    await finished(http, await start_release(http, "canary", "canary/app:1"))
    stable_v1 = await pods_of(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=stable")
    g1 = await start_release(
        http, "canary", "canary/app:2", strategy="gray", gray_replicas=1, gray_weight=50
    )
    await until_phases(http, g1, "waiting-promote")
    gray = await pods_of(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=gray")
    assert len(gray) == 1
    assert set(await served_pods(world, "canary")) >= gray | stable_v1
    weights = (await world.sync.get(f"/v1/sync/apps/canary/{ENV}", headers=ADMIN)).json()
    assert weights["in_sync"] is True
    r = await http.post(f"{g1}/abort", headers=DEV)
    assert r.status_code == 200, r.text
    aborted = await finished(http, g1)
    assert aborted["phase"] == "aborted", aborted
    assert {c["phase"] for c in aborted["clusters"]} == {"aborted"}
    assert not await pods_of(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=gray")
    assert (await http.post(f"{g1}/promote", headers=DEV)).status_code == 409  # finished

    g2 = await start_release(http, "canary", "canary/app:3", strategy="gray", gray_percent=50)
    await until_phases(http, g2, "waiting-promote")
    assert (await http.post(f"{g2}/promote", headers=DEV)).status_code == 200
    promoted = await finished(http, g2)
    assert promoted["phase"] == "succeeded", promoted
    assert not await pods_of(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=gray")
    assert await images_of(world, "canary") == dict.fromkeys(CLUSTERS, "canary/app:3")

    # --- pause / resume; a cluster API outage mid-release; release-api restarted mid-rollout.
    r = await http.patch(
        "/v1/apps/canary",
        headers=DEV,
        json={"pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "2"}},
    )
    assert r.status_code == 200, r.text
    p1 = await start_release(http, "canary", "canary/app:4")
    r = await http.post(f"{p1}/pause", headers=DEV)
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "paused"
    await asyncio.sleep(1.0)
    assert (await http.get(p1, headers=DEV)).json()["phase"] == "paused"
    assert (await http.post(f"{p1}/resume", headers=DEV)).status_code == 200
    assert (await finished(http, p1))["phase"] == "succeeded"

    p2 = await start_release(http, "canary", "canary/app:5", timeout_s=40)
    await until_any(http, p2, "waiting-ready")
    await world.kubesim.api_outage("rel-b", 3)
    await world.restart_release_api()  # mid-rollout, while rel-b's API is down
    http = world.release
    survived = await finished(http, p2, timeout_s=60)
    assert survived["phase"] == "succeeded", survived
    events = (await http.get(f"{p2}/events", headers=DEV)).text
    changes = [
        json.loads(line[len("data: ") :])
        for line in events.splitlines()
        if line.startswith("data: ") and '"phase"' in line and '"previous_phase"' in line
    ]
    per_cluster = Counter((c["cluster"], c["phase"]) for c in changes)
    assert all(n == 1 for n in per_cluster.values()), per_cluster  # nothing done twice
    assert {c for c, p in per_cluster if p == "succeeded"} == set(CLUSTERS)
    for cluster in CLUSTERS:  # each change names the phase it left: the one before it
        chain = [c for c in changes if c["cluster"] == cluster]
        assert chain[0]["previous_phase"] == "pending", chain
        assert [c["previous_phase"] for c in chain[1:]] == [c["phase"] for c in chain[:-1]], chain

    r = await http.post(f"/v1/apps/canary/envs/{ENV}/restart", headers=DEV)
    assert r.status_code == 202, r.text
    restarted = await finished(http, r.headers["Location"])
    assert restarted["phase"] == "succeeded"
    assert restarted["image"] == "canary/app:5"


class _Switchable(httpx.AsyncBaseTransport):
    """cluster-registry as release-api reaches it, with an off switch (connection refused)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            self.refused += 1
            raise httpx.ConnectError("connection refused (cluster-registry stopped)")
        return await self.inner.handle_async_request(request)


async def test_a_rollout_rides_out_a_registry_outage(world: World) -> None:
    """cluster-registry goes away mid-rollout, longer than the connection refresh: every
    cluster goes on with the connection it knew and the release succeeds; nothing is put back."""
    registry = _Switchable(world.registry_transport)
    world.registry_transport = registry
    world.release_settings = world.release_settings.model_copy(update={"connection_refresh_s": 0.5})
    await world.restart_release_api()
    http = world.release
    assert (await http.post("/v1/apps", headers=DEV, json=app_body("ride", 2.5))).status_code == 201
    location = await start_release(http, "ride", "ride/app:1", timeout_s=60)
    await until_any(http, location, "waiting-ready")
    registry.down = True
    await asyncio.sleep(5)  # ten refresh periods; the pods get ready meanwhile
    assert registry.refused > 0  # release-api did try the registry
    registry.down = False
    done = await finished(http, location)
    assert done["phase"] == "succeeded", done
    assert {c["phase"] for c in done["clusters"]} == {"succeeded"}
    assert set((await images_of(world, "ride")).values()) == {"ride/app:1"}
