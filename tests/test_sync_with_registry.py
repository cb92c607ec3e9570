"""k8s-sync with cluster-registry: clusters from the registry, status API, wait, sync events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException
from pydantic import SecretStr
from sqlalchemy import text

import cluster_registry.main as registry_main
from cluster_registry.settings import Settings as RegistrySettings
from flotilla_contracts.enums import Role
from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.pytest_plugin import engine_for, fresh_database
from flotilla_runtime.app import Resources
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kube import api_client
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings
from k8s_sync.main import MIGRATIONS, SPEC, build_workers, create_app
from k8s_sync.settings import IngressInstanceSettings, Settings

from .app_objects import flotilla_service, pods_deployment

pytestmark = pytest.mark.integration
APP = "websvc"
AUTH = AuthSettings()
ADMIN = {"Authorization": "Bearer " + mint_token(AUTH, subject="a", roles=[Role.ADMIN])}
VIEWER = {"Authorization": "Bearer " + mint_token(AUTH, subject="v", roles=[Role.VIEWER])}


@pytest.fixture
def haproxy(tmp_path: Path) -> Iterator[HAProxyProcess]:
    process = HAProxyProcess(tmp_path / "haproxy")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def registry_http(
    postgres_url: str, kafka_bootstrap: str, kubesim: KubesimProcess
) -> AsyncIterator[httpx.AsyncClient]:
    url = await fresh_database(postgres_url, f"reg_{uuid.uuid4().hex[:8]}")
    await upgrade_async(url, registry_main.MIGRATIONS)
    app = registry_main.create_app(
        RegistrySettings(
            database_url=url, kafka_bootstrap_servers=kafka_bootstrap, probe_interval_s=60
        )
    )
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://registry"
        ) as http:
            cluster = kubesim.clusters["idc-a"]
            r = await http.post(
                "/v1/clusters",
                headers=ADMIN,
                json={
                    "name": "idc-a",
                    "idc": "idc-a",
                    "provider": "self-built",
                    "credentials": {
                        "kind": "kubeconfig",
                        "kubeconfig": cluster.kubeconfig.read_text(),
                    },
                },
            )
            assert r.status_code == 201, r.text
            yield http


@pytest.fixture
async def sync(
    postgres_url: str,
    kafka_bootstrap: str,
    haproxy: HAProxyProcess,
    registry_http: httpx.AsyncClient,
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    url = await fresh_database(postgres_url, f"sync_{uuid.uuid4().hex[:8]}")
    await upgrade_async(url, MIGRATIONS)
    token = mint_token(AUTH, subject="k8s-sync", service=True)
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=kafka_bootstrap,
        ingresses=[IngressInstanceSettings.model_validate(haproxy.ingress_settings())],
        service_token=SecretStr(token),
        cluster_refresh_s=60,  # only the start and the registry's events re-read the list
        reconcile_s=0.5,
    )
    # The registry runs in-process here: hand its ASGI client to the cluster source.
    registry = httpx.AsyncClient(transport=registry_http._transport, base_url="http://registry")

    def workers(resources: Resources) -> Any:
        return build_workers(resources, registry=registry)

    app = create_app(settings, spec=replace(SPEC, workers=workers))
    engine = engine_for(url)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://sync", timeout=30
        ) as http:
            yield http, engine
    await engine.dispose()


async def _serve_app(core: Any, apps: Any, namespace: str, replicas: int = 2) -> None:
    """A Service with Flotilla's labels for (APP, prod) and a Deployment behind it."""
    try:
        await core.create_namespace(_any({"metadata": {"name": namespace}}))
    except ApiException as exc:
        if exc.status != 409:  # mapping an environment creates its namespace
            raise
    await core.create_namespaced_service(namespace, _any(flotilla_service(APP)))
    await apps.create_namespaced_deployment(namespace, _any(pods_deployment(APP, replicas)))


async def test_sync_status_wait_and_events(
    sync: tuple[httpx.AsyncClient, Any],
    kubesim: KubesimProcess,
    registry_http: httpx.AsyncClient,
) -> None:
    """Only the namespace cluster-registry maps (prod, idc-a) to is served: a copy of the app's
    Service and labels in another namespace adds none of its pods to the backend."""
    http, engine = sync
    namespace = f"s-{uuid.uuid4().hex[:6]}"
    copycat = f"x-{uuid.uuid4().hex[:6]}"
    r = await registry_http.post(
        "/v1/environments",
        headers=ADMIN,
        json={"name": "prod", "clusters": [{"cluster": "idc-a", "namespace": namespace}]},
    )
    assert r.status_code == 201, r.text
    async with await api_client(kubesim.clusters["idc-a"].connection()) as api:
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        await _serve_app(core, apps, copycat, replicas=1)
        await _serve_app(core, apps, namespace)
        try:
            pods: list[str] = []
            for _ in range(100):
                listed = await core.list_namespaced_pod(namespace)
                pods = [p.metadata.name for p in listed.items if p.status.pod_ip]
                if len(pods) == 2:
                    break
                await asyncio.sleep(0.1)
            r = await http.post(
                f"/v1/sync/apps/{APP}/prod/wait",
                headers=VIEWER,
                json={"cluster": "idc-a", "pods": pods, "timeout_s": 20},
            )
            assert r.status_code == 200, r.text
            assert r.json()["in_sync"] is True
            status = (await http.get(f"/v1/sync/apps/{APP}/prod", headers=VIEWER)).json()
            assert sorted(d["pod"] for d in status["desired"]) == sorted(pods)
            clusters = (await http.get("/v1/sync/clusters", headers=VIEWER)).json()
            assert [(c["cluster"], c["state"], c["stale"]) for c in clusters] == [
                ("idc-a", "watching", False)
            ]
            timeout = await http.post(
                f"/v1/sync/apps/{APP}/prod/wait",
                headers=VIEWER,
                json={"cluster": "idc-a", "pods": ["nope"], "timeout_s": 0.3},
            )
            assert timeout.status_code == 504
            assert timeout.json()["type"].endswith("sync-wait-timeout")
            # An app no Service names yet: waited for (it may be being created), then 504
            # saying why per instance.
            missing = await http.post(
                "/v1/sync/apps/nobackend/prod/wait",
                headers=VIEWER,
                json={"cluster": "idc-a", "pods": ["p"], "timeout_s": 0.5},
            )
            assert missing.status_code == 504, missing.text
            assert "backend being created" in missing.json()["detail"]
            async with engine.connect() as conn:
                rows = (
                    (
                        await conn.execute(
                            text(
                                "SELECT value FROM flotilla_outbox WHERE event_type = "
                                "'io.flotilla.sync.applied' ORDER BY id"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            last = json.loads(bytes(rows[-1]))
            assert last["app"] == APP
            assert last["cluster"] == "idc-a"
            assert sorted(e["pod"] for e in last["endpoints"]) == sorted(pods)
            assert all(e["state"] == "ready" for e in last["endpoints"])
            assert last["resource_versions"]
        finally:
            await core.delete_namespace(namespace)
            await core.delete_namespace(copycat)


async def test_names_are_checked_and_waits_are_bounded_per_caller(
    sync: tuple[httpx.AsyncClient, Any],
) -> None:
    """Path names are checked before anything reaches HAProxy (422, never a 500); one caller
    holds at most 16 waits (429 with Retry-After), while another caller is still served."""
    http, _ = sync
    for app in ("a%20b", "shop%20%3C%3C", "%C3%A9", "Shop", "a" * 64):
        r = await http.get(f"/v1/sync/apps/{app}/prod", headers=VIEWER)
        assert r.status_code == 422, (app, r.status_code, r.text)
        r = await http.post(
            f"/v1/sync/apps/{app}/prod/wait",
            headers=VIEWER,
            json={"cluster": "idc-a", "pods": [], "timeout_s": 1},
        )
        assert r.status_code == 422, (app, r.text)

    async def wait(headers: dict[str, str], timeout_s: float) -> httpx.Response:
        return await http.post(
            "/v1/sync/apps/nobackend/prod/wait",
            headers=headers,
            json={"cluster": "idc-a", "pods": ["p"], "timeout_s": timeout_s},
        )

    held = [asyncio.create_task(wait(VIEWER, 2.0)) for _ in range(16)]
    await asyncio.sleep(0.3)
    refused = await wait(VIEWER, 0.2)
    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "1"
    other = {"Authorization": "Bearer " + mint_token(AUTH, subject="w", roles=[Role.VIEWER])}
    assert (await wait(other, 0.2)).status_code == 504  # another caller is still served
    assert {r.status_code for r in await asyncio.gather(*held)} == {504}
    assert (await wait(VIEWER, 0.2)).status_code == 504  # released once they ended


async def test_registry_events_start_and_stop_informers(
    sync: tuple[httpx.AsyncClient, Any],
    kubesim: KubesimProcess,
    registry_http: httpx.AsyncClient,
) -> None:
    http, _ = sync

    async def clusters() -> list[tuple[str, str]]:
        r = await http.get("/v1/sync/clusters", headers=VIEWER)
        assert r.status_code == 200, r.text
        return [(c["cluster"], c["state"]) for c in r.json()]

    async def until(want: list[tuple[str, str]], timeout_s: float = 10.0) -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        while (got := await clusters()) != want:
            assert loop.time() - start < timeout_s, got
            await asyncio.sleep(0.05)
        return loop.time() - start

    await until([("idc-a", "watching")])
    cluster = kubesim.clusters["idc-b"]
    r = await registry_http.post(
        "/v1/clusters",
        headers=ADMIN,
        json={
            "name": "idc-b",
            "idc": "idc-b",
            "provider": "self-built",
            "credentials": {"kind": "kubeconfig", "kubeconfig": cluster.kubeconfig.read_text()},
        },
    )
    assert r.status_code == 201, r.text
    # The poll is 60 s: only the registry's event can bring the new cluster in this fast.
    await until([("idc-a", "watching"), ("idc-b", "watching")])
    r = await registry_http.delete("/v1/clusters/idc-b", headers=ADMIN)
    assert r.status_code == 204, r.text
    await until([("idc-a", "watching")])
    replica = (await http.get("/v1/sync/replica", headers=VIEWER)).json()
    assert replica["clusters"] == 1


def _any(manifest: Any) -> Any:
    """A manifest as the client's body (it accepts dicts; its type hints want models)."""
    return manifest
