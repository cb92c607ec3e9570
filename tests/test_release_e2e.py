"""release-api end to end (tests/release_world.py): bad input refused, a brand-new app routed,
a release everywhere with one cluster failing alone, scale, isolation, debug mode, history."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from kubernetes_asyncio import client

from flotilla_contracts import from_kafka, topics
from flotilla_runtime.kube import api_client
from flotilla_runtime.metrics import HTTP_REQUESTS

from . import cdevents_schemas
from .release_world import (  # noqa: F401 (fixtures)
    ADMIN,
    APP,
    APP_BODY,
    CLUSTERS,
    DEV,
    ENV,
    OTHER_DEV,
    World,
    finished,
    images,
    processes_fixture,
    traffic,
    world_fixture,
)

pytestmark = pytest.mark.e2e


async def test_bad_inputs_and_bad_hostnames_are_refused_and_change_nothing(world: World) -> None:
    http = world.release
    r = await http.post("/v1/apps", headers=DEV, json={**APP_BODY, "app_yaml": "stack: ["})
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]  # on the field, like any other invalid value
    assert error["loc"] == "body.app_yaml"
    assert "app.yaml is not valid YAML" in error["msg"]
    r = await http.post("/v1/apps", headers=DEV, json={**APP_BODY, "replicas": {ENV: -1}})
    assert r.status_code == 422, r.text
    r = await http.post("/v1/apps", headers=OTHER_DEV, json=APP_BODY)
    assert r.status_code == 403, r.text
    assert (await http.get("/v1/apps", headers=DEV)).json()["items"] == []
    r = await http.post("/v1/apps/nope/releases", headers=DEV, json={"image": "x/y:1", "env": ENV})
    assert r.status_code == 404, r.text

    # Hostnames are checked where they enter, each named in the error.
    for hosts, why in (
        (["Shop.Example.com"], "must be lowercase"),
        (["*.example.com"], "wildcards"),
        (["a b.example.com"], "not a DNS name"),
        (["x" * 64 + ".example.com"], "not a DNS name"),
        (["new.example.com", "new.example.com"], "listed twice"),
    ):
        r = await http.post(
            "/v1/apps", headers=DEV, json={**APP_BODY, "name": "new", "hosts": {ENV: hosts}}
        )
        assert r.status_code == 422, r.text
        assert why in r.text
        assert any(e["loc"].startswith("body.hosts") for e in r.json()["errors"]), r.text

    # Another app's Secret (every team shares the namespace) and annotations that change how
    # Kubernetes runs the pod are refused, naming what is wrong.
    secret = {**APP_BODY, "config_refs": [{"kind": "secret", "name": "payments-db"}]}
    r = await http.post("/v1/apps", headers=DEV, json=secret)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == "body.config_refs.0.name"
    for key in (
        "container.apparmor.security.beta.kubernetes.io/app",
        "seccomp.security.alpha.kubernetes.io/pod",
        "cluster-autoscaler.kubernetes.io/safe-to-evict",
    ):
        r = await http.post(
            "/v1/apps", headers=DEV, json={**APP_BODY, "pod_annotations": {key: "x"}}
        )
        assert r.status_code == 422, (key, r.text)
        assert "kubernetes.io" in r.text
    assert (await http.get("/v1/apps", headers=DEV)).json()["items"] == []


async def test_a_brand_new_app_is_routed_by_host_and_header_on_both_instances(
    world: World,
) -> None:
    """Nobody declares a backend: the first release of an app gets its route by itself."""
    http = world.release
    body = {**APP_BODY, "name": "fresh", "hosts": {ENV: ["fresh.example.com"]}}
    r = await http.post("/v1/apps", headers=DEV, json=body)
    assert r.status_code == 201, r.text
    clash = await http.post(
        "/v1/apps",
        headers=DEV,
        json={**APP_BODY, "name": "thief", "hosts": {"test": ["fresh.example.com"]}},
    )
    assert clash.status_code == 422, clash.text
    assert clash.json()["errors"] == [
        {
            "loc": "body.hosts.test",
            "msg": "'fresh.example.com' is routed to fresh (prod) already",
            "type": "value_error",
        }
    ]
    r = await http.post(
        "/v1/apps/fresh/releases", headers=DEV, json={"image": "f/app:1", "env": ENV}
    )
    assert r.status_code == 202, r.text
    done = await finished(http, r.headers["Location"], timeout_s=60)
    assert done["phase"] == "succeeded", done
    pods = set()
    for haproxy in (world.haproxy, world.haproxy_b):
        for headers in (
            {"host": "fresh.prod.apps.test"},
            {"host": "fresh.example.com:80"},
            {"x-flotilla-app": "fresh.prod"},
        ):
            async with httpx.AsyncClient(timeout=5) as client_:
                for _ in range(12):
                    answer = await client_.get(f"http://127.0.0.1:{haproxy.port}/", headers=headers)
                    assert answer.status_code == 200, (headers, answer.text)
                    assert answer.json()["pod"].startswith("fresh-")
                    pods.add(answer.json()["pod"])
    assert len(pods) == 2 * len(CLUSTERS)  # every pod of every cluster answered
    routes = (await world.sync.get("/v1/ingress/routes", headers=ADMIN)).json()["routes"]
    assert {
        "app": "fresh",
        "env": ENV,
        "backend": "fresh.prod",
        "gray_twin": None,
        "hosts": ["fresh.example.com", "fresh.prod.apps.test"],
        "errors": [],
    } in routes
    instances = (await world.sync.get("/v1/ingress/instances", headers=ADMIN)).json()
    assert [(i["name"], i["up"], i["last_reload"]["outcome"]) for i in instances] == [
        ("ingress-a", True, "ok"),
        ("ingress-b", True, "ok"),
    ]
    # Archived, the app frees its hostname for another.
    assert (await http.delete("/v1/apps/fresh", headers=DEV)).status_code == 200
    r = await http.post(
        "/v1/apps",
        headers=DEV,
        json={**APP_BODY, "name": "heir", "hosts": {ENV: ["fresh.example.com"]}},
    )
    assert r.status_code == 201, r.text


async def test_release_rolls_out_everywhere_then_one_cluster_fails_alone(world: World) -> None:
    http = world.release
    r = await http.post("/v1/apps", headers=DEV, json=APP_BODY)
    assert r.status_code == 201, r.text
    etag = r.headers["ETag"]
    # Bad inputs against a real app.
    r = await http.post(
        f"/v1/apps/{APP}/releases", headers=DEV, json={"image": "shop/app", "env": ENV}
    )
    assert r.status_code == 422, r.text  # no tag
    r = await http.post(
        f"/v1/apps/{APP}/releases", headers=DEV, json={"image": "shop/app:1", "env": "nowhere"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("unknown-environment")
    r = await http.patch(
        f"/v1/apps/{APP}", headers={**DEV, "If-Match": 'W/"99"'}, json={"replicas": {ENV: 3}}
    )
    assert r.status_code == 412, r.text
    hits = HTTP_REQUESTS.labels("release-api", "GET", "read-cache", "200")
    before = hits._value.get()
    for _ in range(5):  # a read after the first is a cache hit, answered before routing
        r = await http.get(f"/v1/apps/{APP}", headers=DEV)
        assert r.headers["ETag"] == etag
        if hits._value.get() > before:
            break  # (the first may miss twice: the create's NOTIFY can land after it began)
    assert hits._value.get() > before
    assert (await http.get(f"/v1/apps/{APP}")).status_code == 401  # a hit still needs a token
    r = await http.patch(
        f"/v1/apps/{APP}", headers={**DEV, "If-Match": etag}, json={"replicas": {ENV: 2}}
    )
    assert r.status_code == 200, r.text
    fresh = await http.get(f"/v1/apps/{APP}", headers=DEV)  # read your write at once
    assert fresh.headers["ETag"] == r.headers["ETag"] != etag
    assert fresh.json()["spec"]["replicas"] == {ENV: 2}

    consumer = AIOKafkaConsumer(
        topics.RELEASES,
        bootstrap_servers=world.release_settings.kafka_bootstrap_servers,
        group_id=f"e2e-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        # First release: nothing before, every cluster rolls out. Sent twice at once with the
        # same Idempotency-Key (a client retrying on a timeout): one release, both answers.
        r, twin = await asyncio.gather(
            *(
                http.post(
                    f"/v1/apps/{APP}/releases",
                    headers={**DEV, "Idempotency-Key": "first"},
                    json={"image": "shop/app:1", "env": ENV, "options": {"timeout_s": 30}},
                )
                for _ in range(2)
            )
        )
        assert r.status_code == 202, r.text
        assert twin.status_code == 202, twin.text
        assert twin.json()["id"] == r.json()["id"]
        location = r.headers["Location"]
        again = await http.post(
            f"/v1/apps/{APP}/releases",
            headers={**DEV, "Idempotency-Key": "first"},
            json={"image": "shop/app:1", "env": ENV, "options": {"timeout_s": 30}},
        )
        assert again.status_code == 202
        assert again.json()["id"] == r.json()["id"]
        busy = await http.post(
            f"/v1/apps/{APP}/releases", headers=DEV, json={"image": "shop/app:9", "env": ENV}
        )
        assert busy.status_code == 409, busy.text
        assert busy.json()["active_release"] == r.json()["id"]
        first = await finished(http, location)
        assert first["phase"] == "succeeded", first
        assert {c["cluster"]: c["phase"] for c in first["clusters"]} == dict.fromkeys(
            CLUSTERS, "succeeded"
        )
        servers = (await world.sync.get(f"/v1/sync/apps/{APP}/{ENV}", headers=ADMIN)).json()
        for on in servers["instances"]:  # both ingress instances hold all six pods
            assert len([s for s in on["applied"] if s["state"] == "ready"]) == 6, on

        # Second release: rel-c's new pods never become ready → rel-c rolls back alone,
        # while traffic flows through HAProxy without a failed request.
        await world.kubesim.stall_rollouts("rel-c", "shop/app:2", world.namespace)
        stop = asyncio.Event()
        load = asyncio.create_task(traffic(world.haproxy, stop))
        r = await http.post(
            f"/v1/apps/{APP}/releases",
            headers=DEV,
            json={"image": "shop/app:2", "env": ENV, "options": {"timeout_s": 8}},
        )
        assert r.status_code == 202, r.text
        second = await finished(http, r.headers["Location"])
        stop.set()
        seen = await load
        await world.kubesim.unstall_rollouts("rel-c", world.namespace)
        phases = {c["cluster"]: c["phase"] for c in second["clusters"]}
        assert second["phase"] == "partially-failed", second
        assert phases == {"rel-a": "succeeded", "rel-b": "succeeded", "rel-c": "rolled-back"}
        assert (
            "timed out" in next(c for c in second["clusters"] if c["cluster"] == "rel-c")["error"]
        )
        assert await images(world) == {
            "rel-a": "shop/app:2",
            "rel-b": "shop/app:2",
            "rel-c": "shop/app:1",
        }
        assert seen["ok"] > 100, seen
        assert set(seen) == {"ok"}, f"failed requests during the release: {seen}"

        # Every event of both releases reached the topic, in order for the app.
        events: list[tuple[str, dict[str, Any]]] = []
        want_last = {first["id"]: False, second["id"]: False}
        async with asyncio.timeout(20):
            while not all(want_last.values()):
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    for record in records:
                        kind = dict(record.headers)["ce_type"].decode()
                        data = json.loads(record.value)
                        if data.get("app") != APP or data.get("release_id") not in want_last:
                            continue  # (the topic has other tests' releases of the app too)
                        events.append((kind, data))
                        if kind.startswith("io.flotilla.release.") and kind.split(".")[-1] in (
                            "succeeded",
                            "partially_failed",
                        ):
                            want_last[data["release_id"]] = True
        kinds = [k for k, _ in events]
        assert kinds[0] == "io.flotilla.release.created"
        assert kinds.count("io.flotilla.release.created") == 2
        for release_id, last in ((first["id"], "succeeded"), (second["id"], "partially_failed")):
            mine = [k for k, d in events if d.get("release_id") == release_id]
            assert mine[0] == "io.flotilla.release.created"
            assert mine[-1] == f"io.flotilla.release.{last}"
            for cluster in CLUSTERS:
                path = [
                    d["phase"]
                    for k, d in events
                    if d.get("release_id") == release_id
                    and k == "io.flotilla.rollout.phase_changed"
                    and d["cluster"] == cluster
                ]
                assert path[:3] == ["applying", "waiting-ready", path[2]], path
                assert len(path) == len(set(path)), f"doubled phase events: {path}"
    finally:
        await consumer.stop()
    await _scale_isolate_debug_and_history(world)


async def _scale_isolate_debug_and_history(world: World) -> None:
    http = world.release
    r = await http.put(f"/v1/apps/{APP}/envs/{ENV}/scale", headers=DEV, json={"replicas": 3})
    assert r.status_code == 200, r.text
    assert set(r.json()["clusters"].values()) == {"ok"}
    async with await api_client(world.kubesim.clusters["rel-a"].connection()) as api:
        core = client.CoreV1Api(api)
        for _ in range(100):
            pods = await core.list_namespaced_pod(
                world.namespace, label_selector="flotilla.io/isolated=false"
            )
            live = [p for p in pods.items if not p.metadata.deletion_timestamp]
            if len(live) == 3 and all(p.status.phase == "Running" for p in live):
                break
            await asyncio.sleep(0.1)
        victim = live[0].metadata.name
        r = await http.post(
            f"/v1/apps/{APP}/envs/{ENV}/clusters/rel-a/pods/{victim}/isolate", headers=DEV
        )
        assert r.status_code == 200, r.text
        assert r.json()["isolated_by"] == "dana"
        listed = (await http.get(f"/v1/apps/{APP}/envs/{ENV}/isolated-pods", headers=DEV)).json()
        assert [p["pod"] for p in listed] == [victim]
        for _ in range(100):  # its ReplicaSet replaces it
            pods = await core.list_namespaced_pod(
                world.namespace, label_selector="flotilla.io/isolated=false"
            )
            if len([p for p in pods.items if not p.metadata.deletion_timestamp]) == 3:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the isolated pod was not replaced")
        r = await http.delete(
            f"/v1/apps/{APP}/envs/{ENV}/clusters/rel-a/isolated-pods/{victim}", headers=DEV
        )
        assert r.status_code == 204, r.text

    r = await http.post(
        f"/v1/apps/{APP}/releases",
        headers=DEV,
        json={"image": "shop/app:3", "env": ENV, "options": {"timeout_s": 30, "debug": True}},
    )
    assert r.status_code == 202, r.text
    debug = await finished(http, r.headers["Location"])
    assert debug["phase"] == "succeeded", debug
    assert debug["debug"] is True
    async with await api_client(world.kubesim.clusters["rel-b"].connection()) as api:
        d = await client.AppsV1Api(api).read_namespaced_deployment(APP, world.namespace)
        container: Any = d.spec.template.spec.containers[0]
        assert container.readiness_probe is None
        assert container.lifecycle is None
        assert d.metadata.labels["flotilla.io/debug"] == "true"
        assert d.spec.replicas == 3  # the scale was recorded in the app's spec

    page = (await http.get(f"/v1/apps/{APP}/releases", headers=DEV, params={"limit": 2})).json()
    assert [i["image"] for i in page["items"]] == ["shop/app:3", "shop/app:2"]
    rest = (
        await http.get(
            f"/v1/apps/{APP}/releases",
            headers=DEV,
            params={"limit": 2, "cursor": page["next_cursor"]},
        )
    ).json()
    assert [i["image"] for i in rest["items"]] == ["shop/app:1"]
    assert rest["next_cursor"] is None
    stream = await http.get(f"/v1/apps/{APP}/releases/{debug['id']}/events", headers=DEV)
    lines = [ln for ln in stream.text.splitlines() if ln.startswith("event: ")]
    assert lines[0] == "event: io.flotilla.release.created"
    assert lines[1] == "event: io.flotilla.app.debug_changed"
    assert lines[-1] == "event: io.flotilla.release.succeeded"
    audit = (await http.get("/v1/audit", headers=DEV, params={"target": APP})).json()["items"]
    actions = {a["action"] for a in audit}
    assert {"app.create", "app.update", "release.create", "app.scale", "pod.isolate"} <= actions
    update = next(a for a in audit if a["action"] == "app.update" and a["outcome"] == "succeeded")
    assert update["detail"]["before"]["replicas"] == {ENV: 2}


async def test_cdevents_tell_other_cd_tools_what_changed(
    world: World, kafka_bootstrap: str
) -> None:
    """With CDEVENTS_TOPIC set, a first release is `service.deployed`, the next `upgraded`, a
    rollback `rolledback` (to the version put back), an archive `removed`, and environments
    `created` and `modified`; every one passes the CDEvents 0.5.1 schemas."""
    http = world.release
    r = await http.post("/v1/apps", headers=DEV, json=APP_BODY)
    assert r.status_code == 201, r.text
    locations = []
    for image in ("shop/app:1.0", "shop/app:2.0"):
        r = await http.post(
            f"/v1/apps/{APP}/releases", headers=DEV, json={"image": image, "env": ENV}
        )
        assert r.status_code == 202, r.text
        locations.append(r.headers["Location"])
        assert (await finished(http, locations[-1]))["phase"] == "succeeded"
    r = await http.post(f"{locations[0]}/rollback", headers=DEV)
    assert r.status_code == 202, r.text
    assert (await finished(http, r.headers["Location"]))["phase"] == "rolled-back"
    r = await world.registry.put(f"/v1/environments/{ENV}/policy", headers=ADMIN, json={})
    assert r.status_code == 200, r.text
    assert (await http.delete(f"/v1/apps/{APP}", headers=DEV)).status_code == 200

    consumer = AIOKafkaConsumer(
        world.cdevents_topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: list[tuple[str, str, str]] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(seen) < 6 and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for record in (r for records in batch.values() for r in records):
                event = from_kafka(record.headers, record.value)
                assert cdevents_schemas.errors(event.data) == [], event.data
                assert event.type == event.data["context"]["type"]
                content = event.data["subject"]["content"]
                seen.append(
                    (event.type, event.data["subject"]["id"], content.get("artifactId", ""))
                )
    finally:
        await consumer.stop()
    # in order per key (the app; the environment), as Kafka keeps them
    shop = "pkg:oci/app?repository_url=shop%2Fapp&tag="
    assert [(t, a) for t, subject, a in seen if subject == APP] == [
        ("dev.cdevents.service.deployed.0.3.0", shop + "1.0"),
        ("dev.cdevents.service.upgraded.0.3.0", shop + "2.0"),
        ("dev.cdevents.service.rolledback.0.3.0", shop + "1.0"),
        ("dev.cdevents.service.removed.0.3.0", ""),
    ]
    assert [t for t, subject, _ in seen if subject == ENV] == [
        "dev.cdevents.environment.created.0.3.0",
        "dev.cdevents.environment.modified.0.3.0",
    ]
