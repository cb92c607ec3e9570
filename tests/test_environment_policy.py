"""Environment policies end to end (tests/release_world.py: cluster-registry, release-api,
k8s-sync, kubesim, HAProxy, Kafka, PostgreSQL): cluster-registry stores who may do what in
`prod` and whether a release needs a second person; release-api enforces it on release,
approval, scale, control and pod isolation; every decision is in the release, its events and
both services' audit logs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import mint_token

from .release_world import (  # noqa: F401 (fixtures)
    ADMIN,
    AUTH,
    CLUSTERS,
    DEV,
    ENV,
    World,
    app_body,
    finished,
    images_of,
    processes_fixture,
    world_fixture,
)

pytestmark = pytest.mark.e2e


def _person(subject: str, *teams: str) -> dict[str, str]:
    token = mint_token(AUTH, subject=subject, roles=[Role.DEVELOPER], teams=teams)
    return {"Authorization": f"Bearer {token}"}


SRE = _person("sam", "sre")
# dana (DEV) requested the release; here she is in team sre too, so only four eyes stop her.
DANA_SRE = _person("dana", "commerce", "sre")
PROTECTED = {
    "scale": {"role": "admin"},
    "isolate": {"role": "developer", "teams": ["sre"]},
    "approval": {"required": True, "by": {"role": "developer", "teams": ["sre"]}},
}


async def _release(http: httpx.AsyncClient, app: str, image: str) -> tuple[str, dict[str, Any]]:
    r = await http.post(f"/v1/apps/{app}/releases", headers=DEV, json={"image": image, "env": ENV})
    assert r.status_code == 202, r.text
    return str(r.headers["Location"]), r.json()


def _problem(response: httpx.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    assert response.json()["type"].endswith(f"/{kind}"), response.text
    return str(response.json()["detail"])


async def test_bad_policies_are_refused_and_change_nothing(world: World) -> None:
    reg = world.registry
    before = (await reg.get(f"/v1/environments/{ENV}", headers=ADMIN)).json()
    assert before["policy"]["approval"]["required"] is False
    for body, field in (
        ({"release": {"role": "viewer"}}, "release"),
        ({"scale": {"teams": ["Not A Team"]}}, "scale"),
        ({"approval": {"by": {"teams": ["sre"], "people": ["ada"]}}}, "approval"),
        ({"deploy": {}}, "deploy"),
    ):
        r = await reg.put(f"/v1/environments/{ENV}/policy", headers=ADMIN, json=body)
        assert r.status_code == 422, r.text
        assert field in r.text
    r = await reg.put(f"/v1/environments/{ENV}/policy", headers=DEV, json=PROTECTED)
    assert r.status_code == 403, r.text
    r = await reg.put(
        f"/v1/environments/{ENV}/policy", headers={**ADMIN, "If-Match": 'W/"99"'}, json=PROTECTED
    )
    assert r.status_code == 412, r.text
    after = (await reg.get(f"/v1/environments/{ENV}", headers=ADMIN)).json()
    assert after == before


async def test_a_protected_environment_holds_releases_for_a_second_person(world: World) -> None:
    http, reg = world.release, world.registry
    etag = (await reg.get(f"/v1/environments/{ENV}", headers=ADMIN)).headers["ETag"]
    r = await reg.put(
        f"/v1/environments/{ENV}/policy", headers={**ADMIN, "If-Match": etag}, json=PROTECTED
    )
    assert r.status_code == 200, r.text
    assert r.json()["policy"]["approval"]["four_eyes"] is True  # the default
    assert r.headers["ETag"] != etag
    changes = (await reg.get("/v1/audit", headers=ADMIN, params={"target": ENV})).json()["items"]
    change = next(a for a in changes if a["action"] == "environment.policy")
    assert change["detail"]["before"]["approval"]["required"] is False
    assert change["detail"]["after"]["scale"]["role"] == "admin"

    assert (await http.post("/v1/apps", headers=DEV, json=app_body("vault"))).status_code == 201

    # held: nothing reaches a cluster until someone the policy names approves
    location, held = await _release(http, "vault", "vault/app:1")
    assert held["phase"] == "waiting-approval"
    assert held["approval"] == {
        "approvers": "developers of team sre or admins",
        "four_eyes": True,
        "decision": None,
        "by": None,
        "comment": "",
        "at": None,
        "wave": None,  # before any wave: the policy's own hold
        "reason": None,  # a gate's hold, not an inconclusive analysis's
    }
    await asyncio.sleep(1.5)  # the runner polls every 0.25 s: it would have started by now
    body = (await http.get(location, headers=DEV)).json()
    assert body["phase"] == "waiting-approval"
    assert {c["phase"] for c in body["clusters"]} == {"pending"}
    with pytest.raises(Exception, match="404"):
        await images_of(world, "vault")
    assert (await http.post(f"{location}/promote", headers=DEV)).status_code == 409
    second = await http.post(
        "/v1/apps/vault/releases", headers=DEV, json={"image": "vault/app:9", "env": ENV}
    )
    _problem(second, 409, "release-in-progress")  # a held release is the active one

    # the requester's own team may not approve; nor may the requester, though in team sre
    detail = _problem(
        await http.post(f"{location}/approve", headers=DEV, json={}), 403, "forbidden-by-policy"
    )
    assert "developers of team sre or admins" in detail
    detail = _problem(
        await http.post(f"{location}/approve", headers=DANA_SRE, json={}),
        403,
        "forbidden-by-policy",
    )
    assert "second person" in detail
    r = await http.post(f"{location}/approve", headers=SRE, json={"comment": "x" * 1001})
    assert r.status_code == 422, r.text

    # a second person of team sre approves (though not in the app's team): it runs
    r = await http.post(f"{location}/approve", headers=SRE, json={"comment": "canary looked fine"})
    assert r.status_code == 200, r.text
    assert r.json()["approval"]["decision"] == "approved"
    assert r.json()["approval"]["by"] == "sam"
    done = await finished(http, location)
    assert done["phase"] == "succeeded", done
    assert set((await images_of(world, "vault")).values()) == {"vault/app:1"}
    r = await http.post(f"{location}/approve", headers=SRE, json={})
    assert r.status_code == 409, r.text

    # rejected: the release ends and no cluster is touched
    location2, _ = await _release(http, "vault", "vault/app:2")
    r = await http.post(f"{location2}/reject", headers=SRE, json={"comment": "not today"})
    assert r.status_code == 200, r.text
    rejected = r.json()
    assert rejected["phase"] == "aborted"
    assert {c["phase"] for c in rejected["clusters"]} == {"aborted"}
    assert rejected["approval"]["decision"] == "rejected"
    assert set((await images_of(world, "vault")).values()) == {"vault/app:1"}

    # withdrawn by its requester: abort ends a held release the same way
    location3, _ = await _release(http, "vault", "vault/app:3")
    r = await http.post(f"{location3}/abort", headers=DEV)
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "aborted"

    # a rollback is never held: the last good version goes back at once
    r = await http.post(f"{location}/rollback", headers=DEV)
    assert r.status_code == 202, r.text
    assert r.json()["phase"] == "running"
    assert (await finished(http, r.headers["Location"]))["phase"] == "rolled-back"

    # scale: admins only here; isolate: team sre only (and still the app's team)
    detail = _problem(
        await http.put(f"/v1/apps/vault/envs/{ENV}/scale", headers=DEV, json={"replicas": 3}),
        403,
        "forbidden-by-policy",
    )
    assert "lets only admins scale" in detail
    r = await http.put(f"/v1/apps/vault/envs/{ENV}/scale", headers=ADMIN, json={"replicas": 3})
    assert r.status_code == 200, r.text
    pod_url = f"/v1/apps/vault/envs/{ENV}/clusters/{next(iter(CLUSTERS))}/pods/vault-x/isolate"
    _problem(await http.post(pod_url, headers=DEV), 403, "forbidden-by-policy")
    r = await http.post(pod_url, headers=DANA_SRE)
    assert r.status_code == 404, r.text  # allowed; there is no such pod

    # the events say who asked, who held, who decided
    events = [e.split("\n")[1] for e in await _events(http, location)]
    assert events[:3] == [
        "event: io.flotilla.release.created",
        "event: io.flotilla.release.waiting_approval",
        "event: io.flotilla.release.approved",
    ]
    audit = (await http.get("/v1/audit", headers=DEV, params={"target": "vault"})).json()["items"]
    seen = {(a["action"], a["actor"], a["outcome"]) for a in audit}
    assert ("release.approve", "sam", "succeeded") in seen
    assert ("release.approve", "dana", "refused") in seen
    assert ("release.reject", "sam", "succeeded") in seen
    assert ("app.scale", "dana", "refused") in seen
    assert ("pod.isolate", "dana", "refused") in seen

    # the default policy again: nothing is held
    r = await reg.put(f"/v1/environments/{ENV}/policy", headers=ADMIN, json={})
    assert r.status_code == 200, r.text
    _, free = await _release(http, "vault", "vault/app:4")
    assert free["phase"] == "running"
    assert free["approval"] is None


async def _events(http: httpx.AsyncClient, location: str) -> list[str]:
    async with http.stream("GET", f"{location}/events", headers=DEV) as stream:
        text = "".join([chunk async for chunk in stream.aiter_text()])
    return [block for block in text.split("\n\n") if block.startswith("id:")]
