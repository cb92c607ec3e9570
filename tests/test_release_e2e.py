"""release-api end to end: 3 kubesim clusters in 2 IDCs (real pod listeners), real HAProxy,
k8s-sync, cluster-registry, Kafka and PostgreSQL. The services run in-process (ASGI) with all
their workers; the clusters, the ingress, the broker and the database are the real ones.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from asgi_lifespan import LifespanManager
from kubernetes_asyncio import client
from pydantic import SecretStr

import cluster_registry.main as registry_main
import k8s_sync.main as sync_main
import release_api.main as release_main
from cluster_registry.settings import Settings as RegistrySettings
from flotilla_contracts import topics
from flotilla_contracts.enums import Role
from flotilla_devstack.haproxy import HAProxyProcess, count_answers
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_runtime.app import Resources
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kube import api_client
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings
from k8s_sync.settings import IngressInstanceSettings
from k8s_sync.settings import Settings as SyncSettings
from release_api.settings import Settings as ReleaseSettings

pytestmark = pytest.mark.e2e
APP = "shop"
ENV = "prod"
CLUSTERS = {"rel-a": "idc-a", "rel-b": "idc-b", "rel-c": "idc-b"}
AUTH = AuthSettings()
ADMIN = {"Authorization": "Bearer " + mint_token(AUTH, subject="ops", roles=[Role.ADMIN])}
DEV = {
    "Authorization": "Bearer "
    + mint_token(AUTH, subject="dana", roles=[Role.DEVELOPER], teams=["commerce"])
}
OTHER_DEV = {
    "Authorization": "Bearer "
    + mint_token(AUTH, subject="olaf", roles=[Role.DEVELOPER], teams=["search"])
}
SERVICE = mint_token(AUTH, subject="svc", service=True)


@dataclass
class World:
    kubesim: KubesimProcess
    haproxy: HAProxyProcess
    haproxy_b: HAProxyProcess
    registry: httpx.AsyncClient
    sync: httpx.AsyncClient
    release: httpx.AsyncClient
    namespace: str
    release_settings: ReleaseSettings
    registry_transport: httpx.AsyncBaseTransport
    sync_transport: httpx.AsyncBaseTransport
    release_stack: AsyncExitStack

    async def restart_release_api(self) -> None:
        """Stop release-api mid-whatever (its tasks are cancelled, nothing is cleaned up in
        the database) and start a fresh instance on the same database."""
        await self.release_stack.aclose()
        self.release_stack = AsyncExitStack()
        self.release = await self.release_stack.enter_async_context(
            _release_api(self.release_settings, self.registry_transport, self.sync_transport)
        )


@pytest.fixture(scope="module")
def processes(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[KubesimProcess, HAProxyProcess, HAProxyProcess]]:
    """kubesim and two ingress instances whose configuration nobody writes by hand."""
    tmp = tmp_path_factory.mktemp("release-e2e")
    kubesim = KubesimProcess(tmp / "ks", clusters=tuple(CLUSTERS), extra_args=("--pod-listeners",))
    a = HAProxyProcess(tmp / "ingress-a", name="ingress-a")
    b = HAProxyProcess(tmp / "ingress-b", name="ingress-b")
    kubesim.start()
    a.start()
    b.start()
    yield kubesim, a, b
    b.stop()
    a.stop()
    kubesim.stop()


@pytest.fixture
async def world(
    processes: tuple[KubesimProcess, HAProxyProcess, HAProxyProcess],
    postgres_url: str,
    kafka_bootstrap: str,
) -> AsyncIterator[World]:
    kubesim, haproxy, haproxy_b = processes
    suffix = uuid.uuid4().hex[:6]
    dbs = {}
    for name, migrations in (
        ("reg", registry_main.MIGRATIONS),
        ("sync", sync_main.MIGRATIONS),
        ("rel", release_main.MIGRATIONS),
    ):
        dbs[name] = await fresh_database(postgres_url, f"e2e_{name}_{suffix}")
        await upgrade_async(dbs[name], migrations)
    async with AsyncExitStack() as stack:
        registry_app = registry_main.create_app(
            RegistrySettings(
                database_url=dbs["reg"],
                kafka_bootstrap_servers=kafka_bootstrap,
                probe_interval_s=60,
            )
        )
        registry_asgi = await stack.enter_async_context(LifespanManager(registry_app))
        registry_transport = httpx.ASGITransport(app=registry_asgi.app)
        registry = await stack.enter_async_context(
            httpx.AsyncClient(transport=registry_transport, base_url="http://registry", timeout=30)
        )
        for name, idc in CLUSTERS.items():
            r = await registry.post(
                "/v1/clusters",
                headers=ADMIN,
                json={
                    "name": name,
                    "idc": idc,
                    "provider": "self-built",
                    "credentials": {
                        "kind": "kubeconfig",
                        "kubeconfig": kubesim.clusters[name].kubeconfig.read_text(),
                    },
                },
            )
            assert r.status_code == 201, r.text
        namespace = f"shop-{suffix}"
        r = await registry.post(
            "/v1/environments",
            headers=ADMIN,
            json={
                "name": ENV,
                "clusters": [{"cluster": c, "namespace": namespace} for c in CLUSTERS],
            },
        )
        assert r.status_code == 201, r.text

        sync_settings = SyncSettings(
            database_url=dbs["sync"],
            kafka_bootstrap_servers=kafka_bootstrap,
            ingresses=[
                IngressInstanceSettings.model_validate(h.ingress_settings())
                for h in (haproxy, haproxy_b)
            ],
            domain_templates={"*": "{app}.{env}.apps.test"},
            service_token=SecretStr(SERVICE),
            reconcile_s=0.5,
        )

        def sync_workers(resources: Resources) -> Any:
            return sync_main.build_workers(
                resources,
                registry=httpx.AsyncClient(transport=registry_transport, base_url="http://r"),
            )

        sync_app = sync_main.create_app(
            sync_settings, spec=replace(sync_main.SPEC, workers=sync_workers)
        )
        sync_asgi = await stack.enter_async_context(LifespanManager(sync_app))
        sync_transport = httpx.ASGITransport(app=sync_asgi.app)
        sync = await stack.enter_async_context(
            httpx.AsyncClient(transport=sync_transport, base_url="http://sync", timeout=30)
        )
        release_settings = ReleaseSettings(
            database_url=dbs["rel"],
            kafka_bootstrap_servers=kafka_bootstrap,
            service_token=SecretStr(SERVICE),
            ingress_propagation_s=0.5,
            drain_margin_s=0.5,
        )
        release_stack = AsyncExitStack()
        release = await release_stack.enter_async_context(
            _release_api(release_settings, registry_transport, sync_transport)
        )
        world = World(
            kubesim,
            haproxy,
            haproxy_b,
            registry,
            sync,
            release,
            namespace,
            release_settings,
            registry_transport,
            sync_transport,
            release_stack,
        )
        # Runs first on exit (LIFO): release-api stops before k8s-sync and the registry.
        stack.push_async_callback(lambda: world.release_stack.aclose())
        yield world


def _release_api(
    settings: ReleaseSettings,
    registry_transport: httpx.AsyncBaseTransport,
    sync_transport: httpx.AsyncBaseTransport,
) -> Any:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def running() -> AsyncIterator[httpx.AsyncClient]:
        def workers(resources: Resources) -> Any:
            return release_main.build_workers(
                resources,
                registry=httpx.AsyncClient(transport=registry_transport, base_url="http://r"),
                k8s_sync=httpx.AsyncClient(transport=sync_transport, base_url="http://s"),
            )

        app = release_main.create_app(settings, spec=replace(release_main.SPEC, workers=workers))
        async with LifespanManager(app) as manager:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=manager.app), base_url="http://rel", timeout=30
            ) as http:
                yield http

    return running()


APP_BODY = {
    "name": APP,
    "team": "commerce",
    "type": "python",
    "app_yaml": (
        "stack: youzanyun-centos6\nruntime: python-2.7\n"
        "entrypoint: gunicorn -c gunicorn_config.py wsgi:application\n"
    ),
    "replicas": {ENV: 2},
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1"}},
    "pod_annotations": {
        "kubesim.flotilla.io/ready-after-seconds": "0.3",
        "kubesim.flotilla.io/pre-stop-seconds": "1.5",
    },
}


async def _finished(http: httpx.AsyncClient, location: str, timeout_s: float = 60) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = (await http.get(location, headers=DEV)).json()
        if body["phase"] not in ("pending", "running", "paused"):
            return body
        assert loop.time() < deadline, body
        await asyncio.sleep(0.2)


async def _traffic(haproxy: HAProxyProcess, stop: asyncio.Event) -> Counter[str]:
    return await _traffic_to(haproxy, APP, stop)


async def _images(world: World) -> dict[str, str]:
    out = {}
    for name in CLUSTERS:
        async with await api_client(world.kubesim.clusters[name].connection()) as api:
            d = await client.AppsV1Api(api).read_namespaced_deployment(APP, world.namespace)
            out[name] = d.spec.template.spec.containers[0].image
    return out


async def test_bad_inputs_and_bad_hostnames_are_refused_and_change_nothing(world: World) -> None:
    http = world.release
    r = await http.post("/v1/apps", headers=DEV, json={**APP_BODY, "app_yaml": "stack: ["})
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("invalid-app-spec")
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
        assert any(e["field"].startswith("hosts") for e in r.json()["errors"]), r.text
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
        {"field": "hosts.test", "message": "'fresh.example.com' is routed to fresh (prod) already"}
    ]
    r = await http.post(
        "/v1/apps/fresh/releases", headers=DEV, json={"image": "f/app:1", "env": ENV}
    )
    assert r.status_code == 202, r.text
    done = await _finished(http, r.headers["Location"], timeout_s=60)
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
    for _ in range(2):  # the second read is a cache hit
        r = await http.get(f"/v1/apps/{APP}", headers=DEV)
        assert r.headers["ETag"] == etag
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
        # First release: nothing before, every cluster rolls out.
        r = await http.post(
            f"/v1/apps/{APP}/releases",
            headers={**DEV, "Idempotency-Key": "first"},
            json={"image": "shop/app:1", "env": ENV, "options": {"timeout_s": 30}},
        )
        assert r.status_code == 202, r.text
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
        first = await _finished(http, location)
        assert first["phase"] == "succeeded", first
        assert {c["cluster"]: c["phase"] for c in first["clusters"]} == dict.fromkeys(
            CLUSTERS, "succeeded"
        )
        servers = (await world.sync.get(f"/v1/sync/apps/{APP}/{ENV}", headers=ADMIN)).json()
        for on in servers["instances"]:  # both ingress instances hold all six pods
            assert len([s for s in on["applied"] if s["state"] == "ready"]) == 6, on

        # Second release: rel-c's new pods never become ready → rel-c rolls back alone,
        # while traffic flows through HAProxy without a failed request.
        chaos = world.kubesim.clusters["rel-c"]
        context = ssl.create_default_context(cafile=chaos.ca_file)
        async with httpx.AsyncClient(verify=context) as admin:
            r = await admin.post(
                f"{chaos.url}/_kubesim/faults", json={"image": "shop/app:2", "fault": "NeverReady"}
            )
            assert r.status_code == 200, r.text
        stop = asyncio.Event()
        load = asyncio.create_task(_traffic(world.haproxy, stop))
        r = await http.post(
            f"/v1/apps/{APP}/releases",
            headers=DEV,
            json={"image": "shop/app:2", "env": ENV, "options": {"timeout_s": 8}},
        )
        assert r.status_code == 202, r.text
        second = await _finished(http, r.headers["Location"])
        stop.set()
        seen = await load
        phases = {c["cluster"]: c["phase"] for c in second["clusters"]}
        assert second["phase"] == "partially-failed", second
        assert phases == {"rel-a": "succeeded", "rel-b": "succeeded", "rel-c": "rolled-back"}
        assert (
            "timed out" in next(c for c in second["clusters"] if c["cluster"] == "rel-c")["error"]
        )
        assert await _images(world) == {
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
                        if data.get("app") != APP:
                            continue
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
    debug = await _finished(http, r.headers["Location"])
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


def _app(name: str, ready_after: float = 0.3) -> dict[str, Any]:
    return {
        **APP_BODY,
        "name": name,
        "pod_annotations": {
            "kubesim.flotilla.io/ready-after-seconds": str(ready_after),
            "kubesim.flotilla.io/pre-stop-seconds": "1.5",
        },
    }


async def _release(http: httpx.AsyncClient, app: str, image: str, **options: Any) -> str:
    strategy = options.pop("strategy", "rolling")
    r = await http.post(
        f"/v1/apps/{app}/releases",
        headers=DEV,
        json={"image": image, "env": ENV, "strategy": strategy, "options": options},
    )
    assert r.status_code == 202, r.text
    return str(r.headers["Location"])


async def _until_phases(
    http: httpx.AsyncClient, location: str, phase: str, timeout_s: float = 30
) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = (await http.get(location, headers=DEV)).json()
        if all(c["phase"] == phase for c in body["clusters"]):
            return body
        assert loop.time() < deadline, body
        await asyncio.sleep(0.2)


async def _served_pods(world: World, app: str) -> dict[str, str]:
    """pod → state of what the ingress serves for the app (read back through k8s-sync); both
    instances must serve the same (every wait the rollout passed confirmed each of them)."""
    body = (await world.sync.get(f"/v1/sync/apps/{app}/{ENV}", headers=ADMIN)).json()
    each = [
        {s["pod"]: s["state"] for s in on["applied"] if s["state"] == "ready"}
        for on in body["instances"]
    ]
    assert len(each) == 2
    assert each[0] == each[1], body
    return each[0]


async def _pods(world: World, cluster: str, selector: str) -> set[str]:
    async with await api_client(world.kubesim.clusters[cluster].connection()) as api:
        pods = await client.CoreV1Api(api).list_namespaced_pod(
            world.namespace, label_selector=selector
        )
    return {p.metadata.name for p in pods.items if not p.metadata.deletion_timestamp}


async def test_blue_green_gray_and_operations(world: World) -> None:
    http = world.release

    # --- blue-green, manual promote, under traffic; then auto promote; then fast rollback.
    assert (await http.post("/v1/apps", headers=DEV, json=_app("bg"))).status_code == 201
    await _finished(http, await _release(http, "bg", "bg/app:1"))
    v2 = await _release(
        http, "bg", "bg/app:2", strategy="blue-green", promote="manual", scale_down_delay_s=60
    )
    await _until_phases(http, v2, "waiting-promote")
    stable_pods = await _pods(world, "rel-a", "flotilla.io/app=bg,flotilla.io/stage=stable")
    blue_pods = await _pods(world, "rel-a", "flotilla.io/app=bg,flotilla.io/stage=blue")
    assert len(stable_pods) == len(blue_pods) == 2
    served = set(await _served_pods(world, "bg"))
    assert stable_pods <= served
    assert not blue_pods & served  # the idle colour gets no traffic before the promote
    stop = asyncio.Event()
    load = asyncio.create_task(_traffic_to(world.haproxy, "bg", stop))
    r = await http.post(f"{v2}/promote", headers=DEV)
    assert r.status_code == 200, r.text
    done = await _finished(http, v2)
    assert done["phase"] == "succeeded", done
    served = set(await _served_pods(world, "bg"))
    assert blue_pods <= served
    assert not stable_pods & served
    v3 = await _release(http, "bg", "bg/app:3", strategy="blue-green", scale_down_delay_s=60)
    third = await _finished(http, v3)  # auto promote
    assert third["phase"] == "succeeded", third
    stop.set()
    seen = await load
    assert seen["ok"] > 50, seen
    assert set(seen) == {"ok"}, f"failed requests during the blue-green switches: {seen}"
    # Roll back to v2: blue still runs (kept for the scale-down delay) → a switch back, no new pods.
    r = await http.post(f"{v2}/rollback", headers=DEV)
    assert r.status_code == 202, r.text
    back = await _finished(http, r.headers["Location"])
    assert back["phase"] == "rolled-back", back
    assert await _pods(world, "rel-a", "flotilla.io/app=bg,flotilla.io/stage=blue") == blue_pods
    assert blue_pods <= set(await _served_pods(world, "bg"))

    # --- gray: abort puts it back; then gray → promote → stable rolled, gray removed.
    assert (await http.post("/v1/apps", headers=DEV, json=_app("canary"))).status_code == 201
    await _finished(http, await _release(http, "canary", "canary/app:1"))
    stable_v1 = await _pods(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=stable")
    g1 = await _release(
        http, "canary", "canary/app:2", strategy="gray", gray_replicas=1, gray_weight=50
    )
    await _until_phases(http, g1, "waiting-promote")
    gray = await _pods(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=gray")
    assert len(gray) == 1
    assert set(await _served_pods(world, "canary")) >= gray | stable_v1
    weights = (await world.sync.get(f"/v1/sync/apps/canary/{ENV}", headers=ADMIN)).json()
    assert weights["in_sync"] is True
    r = await http.post(f"{g1}/abort", headers=DEV)
    assert r.status_code == 200, r.text
    aborted = await _finished(http, g1)
    assert aborted["phase"] == "aborted", aborted
    assert {c["phase"] for c in aborted["clusters"]} == {"aborted"}
    assert not await _pods(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=gray")
    assert (await http.post(f"{g1}/promote", headers=DEV)).status_code == 409  # finished

    g2 = await _release(http, "canary", "canary/app:3", strategy="gray", gray_percent=50)
    await _until_phases(http, g2, "waiting-promote")
    assert (await http.post(f"{g2}/promote", headers=DEV)).status_code == 200
    promoted = await _finished(http, g2)
    assert promoted["phase"] == "succeeded", promoted
    assert not await _pods(world, "rel-b", "flotilla.io/app=canary,flotilla.io/stage=gray")
    assert await _images_of(world, "canary") == dict.fromkeys(CLUSTERS, "canary/app:3")

    # --- pause / resume; a cluster API outage mid-release; release-api restarted mid-rollout.
    r = await http.patch(
        "/v1/apps/canary",
        headers=DEV,
        json={"pod_annotations": {"kubesim.flotilla.io/ready-after-seconds": "2"}},
    )
    assert r.status_code == 200, r.text
    p1 = await _release(http, "canary", "canary/app:4")
    r = await http.post(f"{p1}/pause", headers=DEV)
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "paused"
    await asyncio.sleep(1.0)
    assert (await http.get(p1, headers=DEV)).json()["phase"] == "paused"
    assert (await http.post(f"{p1}/resume", headers=DEV)).status_code == 200
    assert (await _finished(http, p1))["phase"] == "succeeded"

    outage = world.kubesim.clusters["rel-b"]
    p2 = await _release(http, "canary", "canary/app:5", timeout_s=40)
    await _until_any(http, p2, "waiting-ready")
    context = ssl.create_default_context(cafile=outage.ca_file)
    async with httpx.AsyncClient(verify=context) as admin:
        r = await admin.post(f"{outage.url}/_kubesim/outage", json={"mode": "503", "seconds": 3})
        assert r.status_code == 200, r.text
    await world.restart_release_api()  # mid-rollout, while rel-b's API is down
    http = world.release
    survived = await _finished(http, p2, timeout_s=60)
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

    r = await http.post(f"/v1/apps/canary/envs/{ENV}/restart", headers=DEV)
    assert r.status_code == 202, r.text
    restarted = await _finished(http, r.headers["Location"])
    assert restarted["phase"] == "succeeded"
    assert restarted["image"] == "canary/app:5"


async def _until_any(http: httpx.AsyncClient, location: str, phase: str) -> None:
    for _ in range(200):
        body = (await http.get(location, headers=DEV)).json()
        if any(c["phase"] == phase for c in body["clusters"]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no cluster reached {phase}")


async def _images_of(world: World, app: str) -> dict[str, str]:
    out = {}
    for name in CLUSTERS:
        async with await api_client(world.kubesim.clusters[name].connection()) as api:
            d = await client.AppsV1Api(api).read_namespaced_deployment(app, world.namespace)
            out[name] = d.spec.template.spec.containers[0].image
    return out


async def _traffic_to(haproxy: HAProxyProcess, app: str, stop: asyncio.Event) -> Counter[str]:
    return await count_answers(haproxy.port, stop, headers={"x-flotilla-app": f"{app}.{ENV}"})
