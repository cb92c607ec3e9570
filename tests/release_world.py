"""The release end-to-end world: 3 kubesim clusters in 2 IDCs (real pod listeners), two real
HAProxy instances driven by k8s-sync, cluster-registry, Kafka and PostgreSQL. The services run
in-process (ASGI) with all their workers; the clusters, the ingress, the broker and the database
are the real ones. Fixtures (`processes`, `world`) and helpers of the release e2e tests."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kubernetes_asyncio import client
from pydantic import SecretStr

import cluster_registry.main as registry_main
import k8s_sync.main as sync_main
import release_api.main as release_main
from cluster_registry.settings import Settings as RegistrySettings
from flotilla_contracts.enums import Role
from flotilla_devstack.haproxy import HAProxyProcess, count_answers
from flotilla_devstack.kubesim import ClusterSet, KubesimProcess
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_runtime.app import Resources
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.kube import api_client
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings, KafkaSettings
from k8s_sync.settings import IngressInstanceSettings
from k8s_sync.settings import Settings as SyncSettings
from release_api.settings import Settings as ReleaseSettings

from . import cdevents_schemas

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
# one identity per service, as cluster-registry allows only these to read credentials
SYNC_TOKEN = mint_token(AUTH, subject="k8s-sync", service=True)
RELEASE_TOKEN = mint_token(AUTH, subject="release-api", service=True)


@dataclass
class World:
    kubesim: ClusterSet  # kubesim, or real clusters (tests/test_realk8s.py)
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
    cdevents_topic: str

    async def restart_release_api(self) -> None:
        """Stop release-api mid-whatever (its tasks are cancelled, nothing is cleaned up in
        the database) and start a fresh instance on the same database."""
        await self.release_stack.aclose()
        self.release_stack = AsyncExitStack()
        self.release = await self.release_stack.enter_async_context(
            running_release_api(self.release_settings, self.registry_transport, self.sync_transport)
        )


@pytest.fixture(scope="module", name="processes")
def processes_fixture(
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


@pytest.fixture(name="world")
async def world_fixture(
    processes: tuple[ClusterSet, HAProxyProcess, HAProxyProcess],
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
    # CDEvents on (CDEVENTS_TOPIC), to a topic of this world's own
    cdevents_topic = f"test.cdevents.{suffix}"
    await ensure_topics(KafkaSettings(kafka_bootstrap_servers=kafka_bootstrap), [cdevents_topic])
    async with AsyncExitStack() as stack:
        registry_app = registry_main.create_app(
            RegistrySettings(
                database_url=dbs["reg"],
                kafka_bootstrap_servers=kafka_bootstrap,
                probe_interval_s=60,
                cdevents_topic=cdevents_topic,
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
            service_token=SecretStr(SYNC_TOKEN),
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
            service_token=SecretStr(RELEASE_TOKEN),
            ingress_propagation_s=0.5,
            drain_margin_s=0.5,
            cdevents_topic=cdevents_topic,
        )
        release_stack = AsyncExitStack()
        release = await release_stack.enter_async_context(
            running_release_api(release_settings, registry_transport, sync_transport)
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
            cdevents_topic,
        )
        # Runs first on exit (LIFO): release-api stops before k8s-sync and the registry.
        stack.push_async_callback(lambda: world.release_stack.aclose())
        yield world
        # every CDEvent this world's services published passes the specification's schemas
        _, wrong = await cdevents_schemas.invalid_in_topic(kafka_bootstrap, cdevents_topic)
        assert wrong == []


def running_release_api(
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


async def finished(http: httpx.AsyncClient, location: str, timeout_s: float = 60) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = (await http.get(location, headers=DEV)).json()
        if body["phase"] not in ("pending", "waiting-approval", "running", "paused"):
            return body
        assert loop.time() < deadline, body
        await asyncio.sleep(0.2)


async def traffic(haproxy: HAProxyProcess, stop: asyncio.Event) -> Counter[str]:
    return await traffic_to(haproxy, APP, stop)


async def images(world: World) -> dict[str, str]:
    out = {}
    for name in CLUSTERS:
        async with await api_client(world.kubesim.clusters[name].connection()) as api:
            d = await client.AppsV1Api(api).read_namespaced_deployment(APP, world.namespace)
            out[name] = d.spec.template.spec.containers[0].image
    return out


def app_body(name: str, ready_after: float = 0.3) -> dict[str, Any]:
    return {
        **APP_BODY,
        "name": name,
        "pod_annotations": {
            "kubesim.flotilla.io/ready-after-seconds": str(ready_after),
            "kubesim.flotilla.io/pre-stop-seconds": "1.5",
        },
    }


async def start_release(http: httpx.AsyncClient, app: str, image: str, **options: Any) -> str:
    strategy = options.pop("strategy", "rolling")
    r = await http.post(
        f"/v1/apps/{app}/releases",
        headers=DEV,
        json={"image": image, "env": ENV, "strategy": strategy, "options": options},
    )
    assert r.status_code == 202, r.text
    return str(r.headers["Location"])


async def until_phases(
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


async def served_pods(world: World, app: str) -> dict[str, str]:
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


async def pods_of(world: World, cluster: str, selector: str) -> set[str]:
    async with await api_client(world.kubesim.clusters[cluster].connection()) as api:
        pods = await client.CoreV1Api(api).list_namespaced_pod(
            world.namespace, label_selector=selector
        )
    return {p.metadata.name for p in pods.items if not p.metadata.deletion_timestamp}


async def until_any(http: httpx.AsyncClient, location: str, phase: str) -> None:
    for _ in range(200):
        body = (await http.get(location, headers=DEV)).json()
        if any(c["phase"] == phase for c in body["clusters"]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no cluster reached {phase}")


async def images_of(world: World, app: str) -> dict[str, str]:
    out = {}
    for name in CLUSTERS:
        async with await api_client(world.kubesim.clusters[name].connection()) as api:
            d = await client.AppsV1Api(api).read_namespaced_deployment(app, world.namespace)
            out[name] = d.spec.template.spec.containers[0].image
    return out


async def traffic_to(haproxy: HAProxyProcess, app: str, stop: asyncio.Event) -> Counter[str]:
    return await count_answers(haproxy.port, stop, headers={"x-flotilla-app": f"{app}.{ENV}"})
