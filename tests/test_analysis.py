"""Automated analysis (issue 17) end to end: six kubesim clusters in three IDCs behind the local
stack (PostgreSQL, Kafka, HAProxy ×2, Prometheus and the four services, each its own process),
100 req/s through each ingress instance, and releases whose new version is bad on purpose
(kubesim's HTTP fault knob: a share of 500s, or added latency, in one cluster).

What the ingress counted (k8s-sync reading HAProxy's request log) reaches Prometheus, which
monitor-gateway queries for release-api's analysis: no part of the chain is a fake. Requests
that failed are counted and reported; only the bad version's own 500s may be among them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp import web
from kubernetes_asyncio import client

from flotilla_contracts.enums import Role
from flotilla_devstack.stack import LocalStack
from flotilla_devstack.workload import Traffic
from flotilla_runtime.kube import api_client

from .fleet_world import (  # noqa: F401 (fleet_fixture: a fixture)
    NAMESPACE,
    Fleet,
    fleet_fixture,
    headers_of,
)

pytestmark = pytest.mark.e2e

THREE_WAVES = [
    {"name": "canary", "clusters": ["a1"]},
    {"name": "idc-b", "idc": "idc-b"},
    {"name": "rest", "rest": True},
]
ERRORS = {
    "name": "errors",
    "metric": "http_5xx_ratio",
    "interval_s": 2,
    "count": 3,
    "window_s": 4,
    "cluster": {"max": 0.05},
}


@asynccontextmanager
async def analysed(stack: LocalStack, app: str) -> AsyncIterator[tuple[Fleet, Traffic]]:
    """The app released once everywhere, traffic through both ingress instances meanwhile;
    afterwards only 500s (the bad version's own answers) may have failed."""
    async with httpx.AsyncClient(
        base_url=stack.urls["release-api"], headers=stack.admin_headers(), timeout=30
    ) as http:
        fleet = Fleet(stack, http, app)
        await fleet.first()
        async with Traffic(stack, app) as traffic:
            yield fleet, traffic
    for seen in traffic.served:
        assert set(seen) <= {"ok", "http-500"}, traffic.served
        assert seen["ok"] > 100, traffic.served
    # what the bad version cost users: `pytest -s` shows it
    sys.stdout.write(f"{app}: requests failed at the ingress: {traffic.failed} {traffic.served}\n")


async def http_fault(fleet: Fleet, cluster: str, version: str, **fault: float) -> None:
    """The app's pods of `version` in `cluster` answer a share of requests with 500, or later
    (by image: every test's app is its own, so one test's bad version is not another's)."""
    await fleet.kubesim(cluster, "http-faults", {"image": f"{fleet.app}/app:{version}", **fault})


async def release(fleet: Fleet, plan: dict[str, Any], analysis: list[dict[str, Any]]) -> str:
    body = {
        "image": f"{fleet.app}/app:2",
        "env": "prod",
        "plan": plan,
        "analysis": {"checks": analysis},
        "options": {"timeout_s": 90},
    }
    r = await fleet.http.post(f"/v1/apps/{fleet.app}/releases", json=body)
    assert r.status_code == 202, r.text
    return str(r.headers["Location"])


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == f"io.flotilla.analysis.{kind}"]


async def test_errors_in_one_cluster_of_wave_two_roll_the_release_back_by_themselves(
    fleet: LocalStack,
) -> None:
    async with analysed(fleet, "an-errors") as (app, _):
        await http_fault(app, "b2", "2", error_ratio=0.2)
        location = await release(
            app, {"waves": THREE_WAVES, "failure": {"on_failure": "rollback"}}, [ERRORS]
        )
        body = await app.until(location, lambda b: b["finished_at"], "the release's end", 150)
        assert body["phase"] == "failed", body
        waves = body["plan"]["waves"]
        assert waves[0]["analysis"]["state"] == "passed", waves[0]
        assert waves[1]["analysis"]["state"] == "failed", waves[1]
        assert waves[1]["analysis"]["put_back"] == ["b2"], waves[1]
        assert waves[2]["state"] == "pending" or waves[2]["started_at"] is None, waves[2]
        assert set((await app.images()).values()) == {f"{app.app}/app:1"}
        events = await app.events(location)
        failed = of_type(events, "failed")
        assert [(e["wave"], e["clusters"]) for e in failed] == [(1, ["b2"])], failed
        assert [e["wave"] for e in of_type(events, "passed")] == [0]
        # every sample is stored, with its values: b2's error ratio is what failed
        r = await app.http.get(f"{location}/analysis")
        samples = r.json()["samples"]
        bad = [s for s in samples if s["wave"] == 1 and s["verdict"] == "failed"]
        assert bad, samples
        assert all(s["verdicts"]["b2"] == "failed" for s in bad), samples
        assert all(s["values"]["b2"] > 0.05 for s in bad), bad
        assert all(s["verdicts"]["b1"] == "passed" for s in bad), bad
        assert len(of_type(events, "sampled")) == len(samples)


async def test_added_latency_is_caught_by_the_p99_check(
    fleet: LocalStack,
) -> None:
    latency = {**ERRORS, "name": "p99", "metric": "http_p99_latency_s", "cluster": {"max": 0.2}}
    async with analysed(fleet, "an-slow") as (app, _):
        await http_fault(app, "c1", "2", latency_s=0.3)
        location = await release(app, {"waves": THREE_WAVES}, [latency])  # pause: the default
        # c1 is in the last wave: nothing is left to pause before, the release ends as it is
        body = await app.until(location, lambda b: b["finished_at"], "the release's end", 150)
        assert body["phase"] == "partially-failed", body
        waves = body["plan"]["waves"]
        assert waves[2]["analysis"]["state"] == "failed", waves[2]
        assert waves[2]["analysis"]["put_back"] == ["c1"], waves[2]
        by_cluster = {r["cluster"]: r["phase"] for r in body["clusters"]}
        assert by_cluster["c1"] == "rolled-back", by_cluster
        images = await app.images()
        assert images["c1"] == f"{app.app}/app:1"
        assert images["a1"] == images["c2"] == f"{app.app}/app:2"
        r = await app.http.get(f"{location}/analysis", params={"wave": 2})
        slow = [s["values"]["c1"] for s in r.json()["samples"] if s["verdict"] == "failed"]
        assert slow, r.json()
        assert all(v >= 0.3 for v in slow), r.json()


async def test_a_version_bad_only_in_aggregate_fails_the_wave(fleet: LocalStack) -> None:
    aggregate = {
        "name": "errors",
        "metric": "http_5xx_ratio",
        "interval_s": 3,
        "count": 4,
        "window_s": 8,
        "cluster": {"max": 0.05},
        "wave": {"max": 0.01},
    }
    plan = {
        "waves": [
            {"name": "canary", "clusters": ["c2"]},
            {"name": "three", "clusters": ["a1", "a2", "b1"]},
            {"name": "rest", "rest": True},
        ],
        "failure": {"on_failure": "pause"},
    }
    async with analysed(fleet, "an-fleet") as (app, _):
        for cluster in ("a1", "a2", "b1"):
            await http_fault(app, cluster, "2", error_ratio=0.02)
        location = await release(app, plan, [aggregate])
        body = await app.until(location, lambda b: b["phase"] == "paused", "the pause", 150)
        wave = body["plan"]["waves"][1]
        assert wave["analysis"]["state"] == "failed", wave
        assert wave["analysis"]["put_back"] == ["a1", "a2", "b1"], wave
        r = await app.http.get(f"{location}/analysis", params={"wave": 1})
        samples = r.json()["samples"]
        # the wave as a whole failed while no cluster alone did
        failing = [s for s in samples if s["wave_verdict"] == "failed"]
        assert failing, samples
        assert all(v == "passed" for s in failing for v in s["verdicts"].values()), failing
        images = await app.images()
        assert {images[c] for c in ("a1", "a2", "b1")} == {f"{app.app}/app:1"}
        assert images["c2"] == f"{app.app}/app:2"
        await app.http.post(f"{location}/abort", json={})
        await app.until(location, lambda b: b["finished_at"], "the abort")


async def test_a_custom_promql_check_escapes_a_hostile_parameter(fleet: LocalStack) -> None:
    hostile = 'x"}) or vector(42) or (up{job="'
    check = {
        "name": "custom",
        "promql": "count(up{job=$job}) or vector(0)",
        "params": {"job": hostile},
        "cluster": {"max": 1},
    }
    body = {"app": "an-any", "env": "prod", "clusters": ["a1"], "check": check}
    url = fleet.urls["monitor-gateway"]
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        r = await http.post(
            "/v1/analysis/measurements", json=body, headers=headers_of("dev", Role.DEVELOPER)
        )
        assert r.status_code == 403, r.text  # custom PromQL: admins and services only
        r = await http.post("/v1/analysis/measurements", json=body, headers=fleet.admin_headers())
        assert r.status_code == 200, r.text
        out = r.json()
    # pasted as text, the value would have made the query answer 42; quoted, it matches nothing
    assert out["clusters"] == {"a1": 0.0}, out
    assert 'job="x\\"}) or vector(42)' in out["queries"][0], out["queries"]


async def test_prometheus_stopped_during_soak_is_inconclusive_never_passed(
    fleet: LocalStack,
) -> None:
    assert fleet.prometheus is not None
    check = dict(ERRORS, interval_s=2, count=2)
    plan = {"waves": [{"name": "canary", "clusters": ["a1"]}, {"name": "rest", "rest": True}]}
    async with analysed(fleet, "an-blind") as (app, _):
        location = await release(app, plan, [check])
        await app.until(
            location, lambda b: b["plan"]["waves"][0]["state"] == "soaking", "the soak", 120
        )
        fleet.prometheus.stop()
        try:
            body = await app.until(
                location, lambda b: b["phase"] == "waiting-approval", "the question", 60
            )
        finally:
            fleet.prometheus.start()
        analysis = body["plan"]["waves"][0]["analysis"]
        assert analysis["state"] == "inconclusive", analysis
        assert body["approval"]["reason"].startswith("analysis:"), body["approval"]
        assert body["clusters"][1]["phase"] == "pending"  # nothing went on
        r = await app.http.get(f"{location}/analysis")
        assert any(s["error"] for s in r.json()["samples"]), r.json()
        # a person who looked elsewhere lets it go on (again, should the next wave's first
        # samples still find a Prometheus that has just started without data)
        await asyncio.sleep(5)
        decided: set[int | None] = set()
        for _ in range(600):
            body = await app.body(location)
            if body["finished_at"]:
                break
            wave = (body.get("approval") or {}).get("wave")
            if body["phase"] == "waiting-approval" and wave not in decided:
                r = await app.http.post(
                    f"{location}/approve",
                    json={"comment": "dashboards fine"},
                    headers=headers_of("sam", Role.ADMIN),
                )
                assert r.status_code == 200, r.text
                decided.add(wave)
            await asyncio.sleep(0.2)
        assert body["phase"] == "succeeded", body
        assert 0 in decided


async def test_a_gray_step_is_judged_against_the_stable_pods_of_its_cluster(
    fleet: LocalStack,
) -> None:
    """Gray in every cluster at once: the gray pods' error ratio minus the stable pods'. b1's
    gray fails and is put back; every other cluster's passes and is promoted by itself (no
    person, no timer)."""
    canary = {k: v for k, v in ERRORS.items() if k != "cluster"}
    canary |= {"name": "canary-errors", "inconclusive_limit": 1, "canary": {"max": 0.05}}
    async with analysed(fleet, "an-gray") as (app, _):
        await http_fault(app, "b1", "2", error_ratio=0.3)
        body = {
            "image": f"{app.app}/app:2",
            "env": "prod",
            "strategy": "gray",
            "plan": {
                "waves": [{"name": "all", "rest": True}],
                "failure": {"on_failure": "continue", "budget": 1},
            },
            "analysis": {"checks": [canary]},
            "options": {"timeout_s": 90, "gray_replicas": 1, "gray_weight": 100},
        }
        r = await app.http.post(f"/v1/apps/{app.app}/releases", json=body)
        assert r.status_code == 202, r.text
        location = str(r.headers["Location"])
        done = await app.until(location, lambda b: b["finished_at"], "the release's end", 150)
        assert done["phase"] == "partially-failed", done
        phases = {c["cluster"]: c["phase"] for c in done["clusters"]}
        assert phases.pop("b1") == "rolled-back", done
        assert set(phases.values()) == {"succeeded"}, phases
        images = await app.images()
        assert images.pop("b1") == f"{app.app}/app:1"
        assert set(images.values()) == {f"{app.app}/app:2"}
        events = await app.events(location)
        assert [e["canary"] for e in of_type(events, "failed")] == ["b1"]
        assert sorted(e["canary"] for e in of_type(events, "passed")) == sorted(phases)
        samples = (await app.http.get(f"{location}/analysis")).json()["samples"]
        b1 = [
            s["values"]["b1"] for s in samples if s["canary"] == "b1" and s["verdict"] == "failed"
        ]
        assert b1, samples
        assert all(v > 0.05 for v in b1), b1  # gray minus stable


async def test_blue_green_keeps_the_old_colour_until_the_wave_is_judged(
    fleet: LocalStack,
) -> None:
    """With scale_down_delay_s 0 the old colour would go at once; under analysis it stays
    until the wave passed, so a failing cluster switches back to running pods."""
    assert fleet.kubesim is not None
    async with analysed(fleet, "an-bg") as (app, _):
        plan = {"waves": [{"name": "all", "rest": True}]}
        options = {"timeout_s": 90, "scale_down_delay_s": 0}
        first = {"image": f"{app.app}/app:2", "env": "prod", "strategy": "blue-green"}
        r = await app.http.post(
            f"/v1/apps/{app.app}/releases", json={**first, "plan": plan, "options": options}
        )
        assert r.status_code == 202, r.text
        await app.until(str(r.headers["Location"]), lambda b: b["finished_at"], "v2", 120)
        check = dict(ERRORS, interval_s=2, count=4)
        await http_fault(app, "c2", "3", error_ratio=0.3)
        body = {
            **first,
            "image": f"{app.app}/app:3",
            "plan": {**plan, "failure": {"on_failure": "continue", "budget": 1}},
            "analysis": {"checks": [check]},
            "options": options,
        }
        r = await app.http.post(f"/v1/apps/{app.app}/releases", json=body)
        assert r.status_code == 202, r.text
        location = str(r.headers["Location"])
        soaking = await app.until(
            location, lambda b: b["plan"]["waves"][0]["state"] == "soaking", "the soak", 120
        )
        old = {c["cluster"]: c["progress"]["live"] for c in soaking["clusters"]}
        # while it is judged, every cluster's old colour keeps its pods
        while (body_now := await app.body(location))["plan"]["waves"][0]["analysis"]["state"] in (
            None,
            "failed",
        ) and not body_now["finished_at"]:
            for cluster in ("a1", "c2"):
                replicas = await colour_replicas(fleet, cluster, app.app, old[cluster])
                assert replicas > 0, (cluster, old[cluster], body_now)
            await asyncio.sleep(0.3)
        done = await app.until(location, lambda b: b["finished_at"], "the end", 120)
        assert done["phase"] == "partially-failed", done
        phases = {c["cluster"]: c["phase"] for c in done["clusters"]}
        assert phases["c2"] == "rolled-back", phases


async def colour_replicas(stack: LocalStack, cluster: str, app: str, colour: str) -> int:
    assert stack.kubesim is not None
    async with await api_client(stack.kubesim.clusters[cluster].connection()) as api:
        deployment = await client.AppsV1Api(api).read_namespaced_deployment(
            f"{app}-{colour}", NAMESPACE
        )
    return int(deployment.spec.replicas or 0)


async def test_a_webhook_check_asks_per_cluster_and_a_refusal_fails(fleet: LocalStack) -> None:
    """Flagger's hook contract: 2xx lets the cluster through, anything else fails it."""
    asked: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        payload = await request.json()
        asked.append(payload)
        refused = payload["metadata"]["cluster"] == "a2"
        return web.Response(status=409 if refused else 200)

    server = web.Application()
    server.router.add_post("/confirm", hook)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    check = {
        "name": "confirm",
        "webhook": {"url": f"http://127.0.0.1:{port}/confirm", "metadata": {"team": "qa"}},
        "interval_s": 1,
        "count": 2,
    }
    try:
        async with analysed(fleet, "an-hook") as (app, _):
            location = await release(
                app,
                {
                    "waves": [
                        {"name": "two", "clusters": ["a1", "a2"]},
                        {"name": "rest", "rest": True},
                    ]
                },
                [check],
            )
            done = await app.until(location, lambda b: b["phase"] == "paused", "the pause", 120)
            assert done["plan"]["waves"][0]["analysis"]["put_back"] == ["a2"], done
    finally:
        await runner.cleanup()
    assert {p["metadata"]["cluster"] for p in asked} == {"a1", "a2"}
    assert all(p["name"] == "an-hook" and p["namespace"] == "prod" for p in asked)
    assert all(p["phase"] == "confirm-promotion" and p["metadata"]["team"] == "qa" for p in asked)


async def test_a_version_that_crashes_after_its_rollout_is_caught_by_restarts_and_alerts(
    fleet: LocalStack,
) -> None:
    """Ready, served, rolled out: then its containers die (kubesim's CrashLater) — the rollout
    saw nothing wrong; the restarts of the release's pods and the app's alerts do."""
    assert fleet.kubesim is not None
    checks = [
        {
            "name": "restarts",
            "metric": "restarts",
            "interval_s": 2,
            "count": 5,
            "cluster": {"max": 0},
        },
        {
            "name": "alerts",
            "metric": "alerts_firing",
            "interval_s": 2,
            "count": 5,
            "cluster": {"max": 0},
        },
    ]
    async with analysed(fleet, "an-crash") as (app, _):
        await app.kubesim(
            "a2",
            "faults",
            {"image": f"{app.app}/app:2", "fault": "CrashLater", "crash_later_seconds": 3},
        )
        plan = {
            "waves": [{"name": "two", "clusters": ["a1", "a2"]}, {"name": "rest", "rest": True}]
        }
        location = await release(app, plan, checks)
        body = await app.until(location, lambda b: b["phase"] == "paused", "the pause", 120)
        wave = body["plan"]["waves"][0]
        assert wave["analysis"]["state"] == "failed", wave
        assert wave["analysis"]["put_back"] == ["a2"], wave
        by_cluster = {c["cluster"]: c["phase"] for c in body["clusters"]}
        assert by_cluster["a2"] == "rolled-back", by_cluster
        assert by_cluster["a1"] == "succeeded", by_cluster
        samples = (await app.http.get(f"{location}/analysis")).json()["samples"]
        failed = [s for s in samples if s["verdict"] == "failed"]
        # whichever saw it first (restarts are scraped, alerts come from pod watches) failed it
        assert {s["check"] for s in failed} & {"restarts", "alerts"}, samples
        assert all(s["values"]["a2"] > 0 and s["verdicts"]["a2"] == "failed" for s in failed)
        assert all(s["verdicts"]["a1"] == "passed" for s in failed), failed
        await app.http.post(f"{location}/abort")
        await app.until(location, lambda b: b["finished_at"], "the abort")
