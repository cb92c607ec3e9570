"""Fleet waves (issue 16) end to end: six kubesim clusters in three IDCs behind the local stack
(every piece its own process: PostgreSQL, Kafka, HAProxy ×2, the four services), an app under
100 req/s through each ingress instance, and releases that walk the clusters in a plan.

Each test is one app: released once to every cluster, then again with a plan. What must hold
in every test: not one request fails at the ingress.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from flotilla_contracts.enums import Role
from flotilla_devstack.stack import LocalStack
from flotilla_devstack.workload import Traffic

from .fleet_world import (  # noqa: F401 (fleet_fixture: a fixture)
    CLUSTERS,
    Fleet,
    first_index,
    fleet_fixture,
    headers_of,
    phases,
    set_policy,
)

pytestmark = pytest.mark.e2e

CANARY_IDC_B_REST = {
    "waves": [
        {"name": "canary", "clusters": ["a1"], "soak_s": 3, "gate": "approval"},
        {"name": "idc-b", "idc": "idc-b", "max_parallel": 1},
        {"name": "rest", "rest": True},
    ]
}
FOUR_WAVES = [
    {"name": "canary", "clusters": ["a1"]},
    {"name": "idc-b", "idc": "idc-b", "max_parallel": 1},
    {"name": "idc-c", "idc": "idc-c"},
    {"name": "rest", "rest": True},
]


@asynccontextmanager
async def fleet_of(stack: LocalStack, app: str) -> AsyncIterator[Fleet]:
    """The app released once everywhere, then traffic through both ingress instances while
    the block runs; afterwards, not one request may have failed."""
    async with httpx.AsyncClient(
        base_url=stack.urls["release-api"], headers=stack.admin_headers(), timeout=30
    ) as http:
        app_fleet = Fleet(stack, http, app)
        await app_fleet.first()
        async with Traffic(stack, app) as traffic:
            yield app_fleet
    assert traffic.failed == 0, traffic.served
    assert all(seen["ok"] > 100 for seen in traffic.served), traffic.served


async def test_canary_then_approval_then_one_idc_one_at_a_time_then_the_rest(
    fleet: LocalStack,
) -> None:
    async with fleet_of(fleet, "w-gates") as app:
        location = await app.release("2", CANARY_IDC_B_REST)
        body = await app.body(location)
        # the schedule, resolved before anything started
        assert [(w["name"], w["clusters"], w["max_parallel"]) for w in body["plan"]["waves"]] == [
            ("canary", ["a1"], 1),
            ("idc-b", ["b1", "b2"], 1),
            ("rest", ["a2", "c1", "c2"], 3),
        ]
        soaking = await app.until(
            location, lambda b: b["plan"]["waves"][0]["state"] == "soaking", "the canary's soak"
        )
        seen_soaking = time.monotonic()
        assert {c["cluster"]: c["phase"] for c in soaking["clusters"]}["b1"] == "pending"
        held = await app.until(
            location, lambda b: b["phase"] == "waiting-approval", "the canary's gate"
        )
        waited = time.monotonic() - seen_soaking
        wave = held["plan"]["waves"][0]
        assert wave["soak_until"] > wave["done_at"]
        assert waited >= 2.5, waited  # soak_s 3 (measured from the first look at it)
        assert held["approval"]["wave"] == 0
        assert {c["phase"] for c in held["clusters"] if c["cluster"] != "a1"} == {"pending"}
        # four eyes: the requester (the admin who released) may not approve
        refused = await app.http.post(f"{location}/approve", json={"comment": "mine"})
        assert refused.status_code == 403, refused.text
        second = headers_of("second-person", Role.ADMIN)
        approved = await app.http.post(
            f"{location}/approve", json={"comment": "canary looks good"}, headers=second
        )
        assert approved.status_code == 200, approved.text
        done = await app.releases.until_finished(location)
        assert done["phase"] == "succeeded", done
        assert done["plan"]["waves"][0]["decision"]["by"] == "second-person"
        events = await app.events(location)
        # max_parallel 1 in idc-b: b2 starts once b1 is done; the rest after the idc-b wave
        assert first_index(events, "b2", "applying") > first_index(events, "b1", "succeeded")
        for cluster in ("a2", "c1", "c2"):
            assert first_index(events, cluster, "applying") > first_index(events, "b2", "succeeded")
        types = [e["type"] for e in events]
        assert types.count("io.flotilla.release.wave_started") == 3
        assert types.count("io.flotilla.release.wave_succeeded") == 3
        assert "io.flotilla.release.approved" in types
        assert set((await app.images()).values()) == {"w-gates/app:2"}
        audit = (await app.http.get("/v1/audit", params={"target": "w-gates"})).json()["items"]
        decided = [a for a in audit if a["action"] == "release.approve"]
        assert {(a["actor"], a["outcome"]) for a in decided} == {
            ("flotilla-dev", "refused"),
            ("second-person", "succeeded"),
        }


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        ({"on_failure": "pause"}, "paused"),
        ({"on_failure": "rollback"}, "failed"),
        ({"on_failure": "continue", "budget": 1}, "partially-failed"),
    ],
)
async def test_a_crash_loop_in_wave_three(
    fleet: LocalStack, failure: dict[str, object], outcome: str
) -> None:
    """c1 (wave 3, idc-c) crash-loops: it is put back alone; then the policy decides."""
    app_name = f"w-{failure['on_failure']}"
    async with fleet_of(fleet, app_name) as app:
        await app.crash_loop("c1", "2")
        location = await app.release("2", {"waves": FOUR_WAVES, "failure": failure})
        if outcome == "paused":
            body = await app.until(location, lambda b: b["phase"] == "paused", "the pause")
            clusters = {c["cluster"]: c["phase"] for c in body["clusters"]}
            assert clusters == {
                "a1": "succeeded",
                "b1": "succeeded",
                "b2": "succeeded",
                "c1": "rolled-back",
                "c2": "succeeded",
                "a2": "pending",  # stopped before wave 4
            }
            assert "c1" in body["plan"]["stopping"]
            assert (await app.images())["a2"] == f"{app_name}/app:1"
            resumed = await app.http.post(f"{location}/resume")
            assert resumed.status_code == 200, resumed.text
            body = await app.releases.until_finished(location)
            assert body["phase"] == "partially-failed", body
            images = await app.images()
            assert images["c1"] == f"{app_name}/app:1"
            assert {images[c] for c in CLUSTERS if c != "c1"} == {f"{app_name}/app:2"}
            return
        body = await app.releases.until_finished(location)
        assert body["phase"] == outcome, body
        clusters = {c["cluster"]: c["phase"] for c in body["clusters"]}
        images = await app.images()
        assert clusters["c1"] == "rolled-back"
        assert images["c1"] == f"{app_name}/app:1"
        if outcome == "failed":  # rollback: every cluster it changed is put back, newest first
            assert clusters["a2"] == "aborted"
            assert set(images.values()) == {f"{app_name}/app:1"}
            events = await app.events(location)
            succeeded = [c for c, p in phases(events) if p == "succeeded"]
            reverted = [c for c, p in phases(events) if p == "rolled-back" and c != "c1"]
            assert reverted == list(reversed(succeeded)), (succeeded, reverted)
        else:  # continue within a budget of one: every other cluster is done
            assert {images[c] for c in CLUSTERS if c != "c1"} == {f"{app_name}/app:2"}


async def test_release_api_killed_mid_plan_resumes_it_exactly_once(fleet: LocalStack) -> None:
    async with fleet_of(fleet, "w-restart") as app:
        location = await app.release("2", {"waves": FOUR_WAVES})
        await app.until(location, lambda b: b["plan"]["current"] == 2, "wave 3")
        release_api = fleet.processes["release-api"]
        await asyncio.to_thread(release_api.kill)
        await asyncio.to_thread(fleet.restart_service, "release-api")
        body = await app.releases.until_finished(location)
        assert body["phase"] == "succeeded", body
        events = await app.events(location)
        changes = phases(events)
        assert len(changes) == len(set(changes)), changes  # no cluster started twice
        started = [e["wave"] for e in events if e["type"].endswith("wave_started")]
        assert started == [0, 1, 2, 3]  # no wave skipped or started twice


async def test_a_freeze_window_refuses_a_start_and_holds_a_wave_boundary(
    fleet: LocalStack,
) -> None:
    incident = {
        "name": "incident",
        "cron": "* * * * *",  # a window starts every minute and lasts an hour: in force now
        "duration_s": 3600,
        "reason": "incident 42",
    }
    async with fleet_of(fleet, "w-freeze") as app:
        await set_policy(fleet, {"freeze_windows": [incident]})
        try:
            refused = await app.http.post(
                "/v1/apps/w-freeze/releases", json={"image": "w-freeze/app:2", "env": "prod"}
            )
            assert refused.status_code == 409, refused.text
            assert refused.json()["type"].endswith("/environment-frozen")
            assert refused.json()["window"] == "incident"
        finally:
            await set_policy(fleet, {})
        plan = {"waves": [{"name": "canary", "clusters": ["a1"], "soak_s": 4}, {"rest": True}]}
        location = await app.release("2", plan)
        await app.until(location, lambda b: b["plan"]["waves"][0]["state"] == "soaking", "soak")
        await set_policy(fleet, {"freeze_windows": [incident]})
        held = await app.until(location, lambda b: b["plan"]["held"] is not None, "the hold")
        assert "incident" in held["plan"]["held"]
        await asyncio.sleep(1.5)
        body = await app.body(location)
        assert {c["phase"] for c in body["clusters"] if c["cluster"] != "a1"} == {"pending"}
        await set_policy(fleet, {})
        done = await app.releases.until_finished(location)
        assert done["phase"] == "succeeded", done
        types = [e["type"] for e in await app.events(location)]
        assert types.count("io.flotilla.release.paused") == 1
        assert types.count("io.flotilla.release.resumed") == 1
        # an admin may release through a freeze, with a reason, which the audit log keeps
        await set_policy(fleet, {"freeze_windows": [incident]})
        try:
            r = await app.http.post(
                "/v1/apps/w-freeze/releases",
                json={
                    "image": "w-freeze/app:3",
                    "env": "prod",
                    "options": {"freeze_override": "hotfix for incident 42"},
                },
            )
            assert r.status_code == 202, r.text
            done = await app.releases.until_finished(r.headers["Location"])
            assert done["phase"] == "succeeded"
            assert done["plan"]["freeze_override"] == "hotfix for incident 42"
            audit = (await app.http.get("/v1/audit", params={"target": "w-freeze"})).json()
            created = [a for a in audit["items"] if a["action"] == "release.create"]
            assert created[0]["detail"]["freeze_override"] == "hotfix for incident 42"
            # newest first: the override, the planned release, the one the window refused, the
            # app's first release
            assert [a["outcome"] for a in created] == [
                "succeeded",
                "succeeded",
                "refused",
                "succeeded",
            ]
        finally:
            await set_policy(fleet, {})


async def test_fleet_rollback_from_mid_plan_puts_every_cluster_back(fleet: LocalStack) -> None:
    async with fleet_of(fleet, "w-fleet-back") as app:
        location = await app.release("2", {"waves": FOUR_WAVES})
        await app.until(
            location,
            lambda b: (
                b["plan"]["current"] == 1
                and any(c["cluster"] == "b1" and c["phase"] != "pending" for c in b["clusters"])
            ),
            "wave 2 under way",
        )
        r = await app.http.post(f"{location}/fleet-rollback")
        assert r.status_code == 200, r.text
        body = await app.releases.until_finished(location)
        assert body["phase"] == "aborted", body
        clusters = {c["cluster"]: c["phase"] for c in body["clusters"]}
        assert clusters["a1"] == "rolled-back"  # it had succeeded
        assert {clusters[c] for c in ("a2", "c1", "c2")} == {"aborted"}  # never started
        assert set((await app.images()).values()) == {"w-fleet-back/app:1"}


async def test_bad_plans_and_windows_are_refused_naming_the_field_and_start_nothing(
    fleet: LocalStack,
) -> None:
    async with httpx.AsyncClient(
        base_url=fleet.urls["release-api"], headers=fleet.admin_headers(), timeout=30
    ) as http:
        app = Fleet(fleet, http, "w-bad")
        await app.first()
        bad = [
            ({"waves": [{"clusters": ["zz"]}, {"rest": True}]}, "zz is not a cluster", 422),
            (
                {"waves": [{"idc": "idc-a"}, {"clusters": ["a1"]}, {"rest": True}]},
                "a1 is in waves[0] already",
                422,
            ),
            ({"waves": [{"percent": 120}]}, "percent", 422),
            ({"waves": [{"rest": True, "max_parallel": 0}]}, "max_parallel", 422),
            ({"waves": [{"idc": "idc-a"}]}, "clusters in no wave", 422),
            ({"waves": [{"labels": {"tier": "gold"}}, {"rest": True}]}, "picks no cluster", 422),
        ]
        for plan, says, status in bad:
            r = await http.post(
                "/v1/apps/w-bad/releases",
                json={"image": "w-bad/app:2", "env": "prod", "plan": plan},
            )
            assert r.status_code == status, (plan, r.text)
            assert says in r.text, (plan, r.text)
        history = (await http.get("/v1/apps/w-bad/releases")).json()["items"]
        assert len(history) == 1  # only the first release: nothing started
    async with httpx.AsyncClient(
        base_url=fleet.urls["cluster-registry"], headers=fleet.admin_headers(), timeout=30
    ) as registry:
        window = {"name": "w", "cron": "0 25 * * *", "duration_s": 600, "reason": "r"}
        for policy, says in [
            ({"freeze_windows": [window]}, "freeze_windows[0] (w): invalid cron expression"),
            (
                {"freeze_windows": [{**window, "cron": "0 1 * * *", "timezone": "Mars/Base"}]},
                "unknown time zone",
            ),
            (
                {"default_plan": {"waves": [{"clusters": ["zz"]}, {"rest": True}]}},
                "default_plan.waves[0].clusters: zz is not a cluster",
            ),
            ({"freeze_windows": [{**window, "duration_s": 5}]}, "duration_s"),
        ]:
            r = await registry.put("/v1/environments/prod/policy", json=policy)
            assert r.status_code == 422, (policy, r.text)
            assert says in r.text, (policy, r.text)
        env = (await registry.get("/v1/environments/prod")).json()
        assert env["policy"]["freeze_windows"] == []  # nothing changed


async def test_a_rejected_gate_ends_the_release_as_its_failure_policy_says(
    fleet: LocalStack,
) -> None:
    plan = {
        "waves": [{"name": "canary", "clusters": ["a1"], "gate": "approval"}, {"rest": True}],
        "failure": {"on_failure": "rollback"},
    }
    async with fleet_of(fleet, "w-reject") as app:
        location = await app.release("2", plan)
        await app.until(location, lambda b: b["phase"] == "waiting-approval", "the gate")
        second = headers_of("second-person", Role.ADMIN)
        r = await app.http.post(
            f"{location}/reject", json={"comment": "error rate up"}, headers=second
        )
        assert r.status_code == 200, r.text
        body = await app.releases.until_finished(location)
        assert body["phase"] == "failed", body  # rollback: the canary went back too
        clusters = {c["cluster"]: c["phase"] for c in body["clusters"]}
        assert clusters["a1"] == "rolled-back"
        assert {p for c, p in clusters.items() if c != "a1"} == {"aborted"}
        assert body["plan"]["waves"][0]["decision"]["decision"] == "rejected"
        assert set((await app.images()).values()) == {"w-reject/app:1"}
