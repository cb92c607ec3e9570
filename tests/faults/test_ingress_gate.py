"""The ingress gate (issue 22): a cluster's rollout succeeds only once every ingress instance
that serves traffic holds exactly its new pods, and the old pods are not stopped before that.

Blue-green shows it best: the Service is switched at promote, and the old version's pods are
scaled down `scale_down_delay_s` (0 here) after the cluster succeeded — so if the rollout
succeeded before the ingress moved, the old pods would stop while HAProxy still sends requests
to them. Each test makes the ingress side slow or stuck just before the promote, with 100 req/s
through each HAProxy instance:
- k8s-sync frozen (SIGSTOP, both replicas): HAProxy keeps what it had, release-api's waits go
  unanswered;
- one HAProxy's runtime API stalled (k8s-sync's writes swallowed, no reply) while its data plane
  serves on: k8s-sync finds it blocked, and a blocked instance is waited for (it still sends
  requests to the old pods) — before issue 22 it was skipped like one that is down;
- one cluster's EndpointSlice controller stopped: the ingress never gets that cluster's new pods,
  so that cluster fails at its deadline and is put back while the others succeed.

Every test here fails with release-api's `_wait_ingress` short-circuited to "confirmed"
(docs/guarantees.md says how that was checked).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.faults import FaultWorld
from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.stack import KUBESIM_CLUSTERS, LocalStack
from flotilla_devstack.workload import Releases, Traffic
from flotilla_runtime.kube import api_client
from k8s_sync.ingress.haproxy import parse_servers_state
from k8s_sync.sync.desired import backend_name

pytestmark = pytest.mark.e2e

NAMESPACE = "demo-prod"  # the local stack maps `prod` to it in every cluster
HELD_S = 8.0  # how long the ingress stays stuck after the promote
Step = Callable[[], Awaitable[None]]


@dataclass
class GateRun:
    """What one blue-green promote under a stuck ingress did."""

    old: dict[str, set[str]]  # cluster → pod IPs of version 1 (the Service's pods before)
    new: dict[str, set[str]]  # cluster → pod IPs of version 2
    phases: list[dict[str, str]] = field(default_factory=list)  # sampled while stuck
    times: list[float] = field(default_factory=list)  # each sample: seconds after the promote
    old_replicas: list[dict[str, int]] = field(default_factory=list)  # sampled while stuck
    served: list[dict[str, set[str]]] = field(default_factory=list)  # instance → addresses
    released_at: float = 0.0  # when the ingress was let go
    promoted_at: float = 0.0
    body: dict[str, Any] = field(default_factory=dict)  # the release once it ended
    ended_at: float = 0.0
    served_at_end: dict[str, set[str]] = field(default_factory=dict)
    failed_requests: int = 0
    ok_requests: int = 0


async def _pod_ips(stack: LocalStack, cluster: str, app: str, stage: str) -> set[str]:
    assert stack.kubesim is not None
    async with await api_client(stack.kubesim.clusters[cluster].connection()) as api:
        pods = await client.CoreV1Api(api).list_namespaced_pod(
            NAMESPACE, label_selector=f"flotilla.io/app={app},flotilla.io/stage={stage}"
        )
    return {p.status.pod_ip for p in pods.items if p.status.pod_ip}


async def _replicas(stack: LocalStack, cluster: str, name: str) -> int:
    assert stack.kubesim is not None
    async with await api_client(stack.kubesim.clusters[cluster].connection()) as api:
        d = await client.AppsV1Api(api).read_namespaced_deployment(name, NAMESPACE)
    return int(d.spec.replicas)


async def _served(ingress: HAProxyProcess, backend: str) -> set[str]:
    """Addresses the instance sends new requests to, read from its own runtime socket (not
    through the fault's relay): what HAProxy does, not what k8s-sync believes."""
    reader, writer = await asyncio.open_unix_connection(str(ingress.socket))
    try:
        writer.write(f"show servers state {backend}\n".encode())
        await writer.drain()
        reply = (await asyncio.wait_for(reader.read(), 5)).decode()
    finally:
        writer.close()
    return {s.address for s in parse_servers_state(reply) if s.state == "ready"}


async def _served_by_all(stack: LocalStack, app: str) -> dict[str, set[str]]:
    backend = backend_name(app, "prod")
    return {i.name: await _served(i, backend) for i in stack.ingresses}


async def promote_while_stuck(
    world: FaultWorld,
    app: str,
    stick: Step,
    unstick: Step,
    *,
    held_s: float = HELD_S,
    timeout_s: float = 120,
) -> GateRun:
    """Version 1 (rolling), then version 2 blue-green with a manual promote; `stick` the
    ingress once every cluster waits for the promote, promote, watch for `held_s` (or until the
    release ends), `unstick`, and follow the release to its end and the old pods to theirs."""
    stack = world.stack
    async with httpx.AsyncClient(
        base_url=stack.urls["release-api"], headers=stack.admin_headers(), timeout=10
    ) as http:
        releases = Releases(http, app, {"timeout_s": timeout_s}, strategy="blue-green")
        await releases.create_app()
        first = await releases.until_finished(await releases.start("1", strategy="rolling"))
        assert first["phase"] == "succeeded", first
        location = await releases.start("2", promote="manual", scale_down_delay_s=0)
        await releases.until_phase(location, "waiting-promote", every=True)
        run = GateRun(
            old={c: await _pod_ips(stack, c, app, "stable") for c in KUBESIM_CLUSTERS},
            new={c: await _pod_ips(stack, c, app, "blue") for c in KUBESIM_CLUSTERS},
        )
        assert all(run.old.values()), run
        assert all(run.new.values()), run
        async with Traffic(stack, app) as traffic:
            await stick()
            try:
                r = await http.post(f"{location}/promote")
                assert r.status_code == 200, r.text
                run.promoted_at = time.monotonic()
                while time.monotonic() - run.promoted_at < held_s:
                    run.times.append(time.monotonic() - run.promoted_at)
                    body = (await http.get(location)).json()
                    run.phases.append({c["cluster"]: c["phase"] for c in body["clusters"]})
                    run.old_replicas.append(
                        {c: await _replicas(stack, c, app) for c in KUBESIM_CLUSTERS}
                    )
                    run.served.append(await _served_by_all(stack, app))
                    if body["phase"] != "running":
                        break
                    await asyncio.sleep(0.25)
            finally:
                run.released_at = time.monotonic()
                await unstick()
            run.body = await releases.until_finished(location, timeout_s + 30)
            run.ended_at = time.monotonic()
            run.served_at_end = await _served_by_all(stack, app)
            await _until_old_pods_gone(stack, app, run)
        run.failed_requests = traffic.failed
        run.ok_requests = sum(seen["ok"] for seen in traffic.served)
    return run


async def _until_old_pods_gone(stack: LocalStack, app: str, run: GateRun) -> None:
    """Where version 2 succeeded, version 1's pods are scaled down right after (delay 0):
    traffic goes on meanwhile, so a request the ingress still sent to them would fail."""
    won = [c["cluster"] for c in run.body["clusters"] if c["phase"] == "succeeded"]
    deadline = time.monotonic() + 30
    while any([await _pod_ips(stack, c, app, "stable") for c in won]):
        assert time.monotonic() < deadline, "version 1's pods were not scaled down"
        await asyncio.sleep(0.25)
    await asyncio.sleep(2)  # their preStop sleep, and the requests still in flight


def _settled(run: GateRun, cluster: str) -> int:
    """The first sample with `cluster` in waiting-ingress (the runner takes the promote on its
    next pass; only waiting-promote may come before)."""
    at = next((i for i, seen in enumerate(run.phases) if seen[cluster] == "waiting-ingress"), None)
    assert at is not None, f"{cluster} never reached waiting-ingress: {run.phases}"
    assert all(seen[cluster] == "waiting-promote" for seen in run.phases[:at]), run.phases
    return at


def _assert_held(run: GateRun, clusters: tuple[str, ...], *, held_s: float = HELD_S) -> None:
    """While the ingress was stuck: each of `clusters` stayed in waiting-ingress (sampled for
    `held_s` after the promote) and kept its old pods."""
    for cluster in clusters:
        at = _settled(run, cluster)
        assert run.times[-1] - run.times[at] >= held_s - 3, run.times  # watched long enough
        phases = [seen[cluster] for seen in run.phases[at:]]
        assert set(phases) == {"waiting-ingress"}, (
            f"{cluster} moved on while the ingress could not follow: {run.phases}"
        )
    for replicas in run.old_replicas:
        assert {c: replicas[c] for c in clusters} == dict.fromkeys(clusters, 2), (
            f"version 1 was scaled down before the ingress moved off it: {run.old_replicas}"
        )


def _assert_ended_on_new_pods(run: GateRun) -> None:
    """Every cluster succeeded after the ingress was let go, each instance then serving
    exactly the new pods, and not one request failed."""
    phases = {c["cluster"]: c["phase"] for c in run.body["clusters"]}
    assert run.body["phase"] == "succeeded", run.body
    assert phases == dict.fromkeys(KUBESIM_CLUSTERS, "succeeded"), phases
    new = set().union(*run.new.values())
    assert run.served_at_end == {i: new for i in run.served_at_end}, (
        run.served_at_end,
        run.new,
    )
    assert run.failed_requests == 0, run
    assert run.ok_requests > 500, run


async def test_frozen_k8s_sync_holds_the_rollout_in_waiting_ingress(world: FaultWorld) -> None:
    """Both k8s-sync replicas SIGSTOPped across the promote: HAProxy keeps the old pods, the
    rollouts wait, version 1 keeps running; SIGCONT → the ingress moves, then they succeed."""
    stack = world.stack
    syncs = [p for name, p in stack.processes.items() if name.startswith("k8s-sync")]
    assert len(syncs) == 2

    async def freeze() -> None:
        for process in syncs:
            process.freeze(True)

    async def thaw() -> None:
        for process in syncs:
            process.freeze(False)

    run = await promote_while_stuck(world, "g-frozen", freeze, thaw)
    _assert_held(run, KUBESIM_CLUSTERS)
    old = set().union(*run.old.values())
    for served in run.served:  # nothing reached HAProxy while k8s-sync was stopped
        assert served == {i: old for i in served}, run.served
    _assert_ended_on_new_pods(run)


async def test_a_stalled_runtime_api_is_waited_for(world: FaultWorld) -> None:
    """ingress-b's runtime API stalls (its data plane serves on, from the old pods) while
    ingress-a takes the switch: the rollouts wait for ingress-b too, and succeed once its
    runtime API answers and k8s-sync has moved it."""
    cutter = world.cutters["ingress-b"]

    async def stall() -> None:
        cutter.stall(True)

    async def unstall() -> None:
        cutter.stall(False)

    run = await promote_while_stuck(world, "g-stalled", stall, unstall, held_s=10)
    assert cutter.swallowed > 0  # k8s-sync did try to reach it
    _assert_held(run, KUBESIM_CLUSTERS, held_s=10)
    old = set().union(*run.old.values())
    assert all(served["ingress-b"] == old for served in run.served), run.served
    new = set().union(*run.new.values())
    assert run.served[-1]["ingress-a"] == new, run.served[-1]  # the other instance moved
    _assert_ended_on_new_pods(run)


async def _controller(stack: LocalStack, cluster: str, name: str, *, running: bool) -> None:
    assert stack.kubesim is not None
    sim = stack.kubesim.clusters[cluster]
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=sim.ca_file)) as c:
        r = await c.post(f"{sim.url}/_kubesim/controllers", json={"name": name, "running": running})
        r.raise_for_status()


async def test_an_ingress_that_never_confirms_fails_that_cluster_alone(
    world: FaultWorld,
) -> None:
    """idc-b-1's EndpointSlice controller stopped: its slices keep version 1's pods, so the
    ingress never serves its new ones. idc-b-1 waits until its deadline (15 s after the
    promote), is put back (the Service switched back, version 2 scaled down) and ends
    rolled-back; the other clusters succeed; no request fails."""
    stack = world.stack
    stuck = "idc-b-1"
    others = tuple(c for c in KUBESIM_CLUSTERS if c != stuck)

    async def stop() -> None:
        await _controller(stack, stuck, "endpoints", running=False)

    async def start() -> None:
        await _controller(stack, stuck, "endpoints", running=True)

    timeout_s = 15.0
    run = await promote_while_stuck(
        world, "g-never", stop, start, held_s=timeout_s + 20, timeout_s=timeout_s
    )
    phases = {c["cluster"]: c["phase"] for c in run.body["clusters"]}
    assert run.body["phase"] == "partially-failed", run.body
    assert phases == {**dict.fromkeys(others, "succeeded"), stuck: "rolled-back"}, run.body
    reason = next(c for c in run.body["clusters"] if c["cluster"] == stuck)["error"]
    assert "ingress" in reason, reason
    # it waited for the ingress until its deadline, keeping version 1 all along
    at = _settled(run, stuck)
    left = next(i for i in range(at, len(run.phases)) if run.phases[i][stuck] != "waiting-ingress")
    assert run.times[left] >= timeout_s - 1, f"{stuck} left waiting-ingress too early: {run.times}"
    assert all(seen[stuck] == 2 for seen in run.old_replicas), run.old_replicas
    for served in run.served:  # its old pods served all along, its new ones never
        for addresses in served.values():
            assert run.old[stuck] <= addresses, served
            assert not run.new[stuck] & addresses, served
    # the others are on version 2 alone, idc-b-1 on version 1
    expected = set().union(*(run.new[c] for c in others)) | run.old[stuck]
    assert run.served_at_end == {i: expected for i in run.served_at_end}, run.served_at_end
    assert run.failed_requests == 0, run
    assert run.ok_requests > 500, run
