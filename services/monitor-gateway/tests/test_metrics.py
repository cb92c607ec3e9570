"""App metrics through the real Prometheus (Debian package) scraping kubesim's clusters: the
series kubesim produced come back with their values; PromQL injection is refused."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kubernetes_asyncio import client

from flotilla_contracts.enums import Role
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.prometheus import PrometheusProcess
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kube import api_client
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings
from monitor_gateway.main import MIGRATIONS, create_app
from monitor_gateway.settings import Settings

pytestmark = pytest.mark.integration
AUTH = AuthSettings()
VIEWER = {"Authorization": "Bearer " + mint_token(AUTH, subject="v", roles=[Role.VIEWER])}
ADMIN = {"Authorization": "Bearer " + mint_token(AUTH, subject="a", roles=[Role.ADMIN])}
MEMORY = 100 * 2**20
CPU = 0.25


@pytest.fixture
async def monitor(
    postgres_url: str, kafka_bootstrap: str, prometheus: PrometheusProcess
) -> AsyncIterator[httpx.AsyncClient]:
    url = await fresh_database(postgres_url, f"metrics_{uuid.uuid4().hex[:8]}")
    await upgrade_async(url, MIGRATIONS)
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=kafka_bootstrap,
        prometheus_url=prometheus.url,
        metrics_cache_s=0,
        logs_topic=f"unused-{uuid.uuid4().hex[:6]}",
    )
    async with LifespanManager(create_app(settings)) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://m", timeout=30
        ) as http:
            yield http


async def test_app_metrics_return_what_kubesim_produced(
    monitor: httpx.AsyncClient, kubesim: KubesimProcess
) -> None:
    app = f"metr-{uuid.uuid4().hex[:4]}"
    namespace = f"m-{uuid.uuid4().hex[:6]}"
    labels = {
        "app.kubernetes.io/managed-by": "flotilla",
        "flotilla.io/app": app,
        "flotilla.io/env": "prod",
        "app": app,
    }
    async with await api_client(kubesim.clusters["idc-a"].connection()) as api:
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        await core.create_namespace(_any({"metadata": {"name": namespace}}))
        body: Any = {
            "metadata": {"name": app},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": app}},
                "template": {
                    "metadata": {
                        "labels": labels,
                        "annotations": {
                            "kubesim.flotilla.io/ready-after-seconds": "0",
                            "kubesim.flotilla.io/cpu-cores": str(CPU),
                            "kubesim.flotilla.io/memory-bytes": str(MEMORY),
                        },
                    },
                    "spec": {
                        "containers": [
                            {
                                "name": "c",
                                "image": f"{app}:1",
                                "resources": {"limits": {"memory": "256Mi"}},
                            }
                        ]
                    },
                },
            },
        }
        await apps.create_namespaced_deployment(namespace, body)
        try:

            async def fetch(metric: str, **params: Any) -> Any:
                r = await monitor.get(
                    f"/v1/apps/{app}/metrics",
                    headers=VIEWER,
                    params={"metric": metric, "step_s": 2, **params},
                )
                assert r.status_code == 200, r.text
                return r.json()

            def last(series: dict[str, Any]) -> float:
                return float(series["points"][-1][1])

            deadline = time.monotonic() + 40
            while True:
                memory = await fetch("memory_working_set_bytes")
                cpu = await fetch("cpu_usage_cores")
                ready = len(memory["series"]) == 2 and len(cpu["series"]) == 2
                if ready and all(abs(last(s) - CPU) < CPU * 0.1 for s in cpu["series"]):
                    break
                assert time.monotonic() < deadline, (memory, cpu)
                await asyncio.sleep(1)
            assert memory["unit"] == "bytes"
            assert {s["labels"]["cluster"] for s in memory["series"]} == {"idc-a"}
            assert all(last(s) == MEMORY for s in memory["series"])
            limit = await fetch("memory_limit_bytes")
            assert all(last(s) == 256 * 2**20 for s in limit["series"])
            replicas = await fetch("ready_replicas", cluster="idc-a")
            assert [last(s) for s in replicas["series"]] == [2.0]
            restarts = await fetch("restarts", env="prod")
            assert all(last(s) == 0 for s in restarts["series"])
            one_pod = memory["series"][0]["labels"]["pod"]
            only = await fetch("memory_working_set_bytes", pod=one_pod)
            assert [s["labels"]["pod"] for s in only["series"]] == [one_pod]
            assert (await fetch("cpu_usage_cores", env="test"))["series"] == []
        finally:
            await core.delete_namespace(namespace)


async def test_promql_injection_is_refused_and_passthrough_is_for_admins(
    monitor: httpx.AsyncClient,
) -> None:
    evil = 'shop"} or vector(1) #'
    r = await monitor.get(
        f"/v1/apps/{quote(evil, safe='')}/metrics",
        headers=VIEWER,
        params={"metric": "cpu_usage_cores"},
    )
    assert r.status_code == 422, r.text
    r = await monitor.get(
        "/v1/apps/shop/metrics",
        headers=VIEWER,
        params={"metric": "cpu_usage_cores", "cluster": 'a",x="b'},
    )
    assert r.status_code == 422, r.text
    r = await monitor.get("/v1/apps/shop/metrics", headers=VIEWER, params={"metric": "up{}"})
    assert r.status_code == 422, r.text
    assert (
        await monitor.get("/v1/query", headers=VIEWER, params={"query": "up"})
    ).status_code == 403
    r = await monitor.get("/v1/query", headers=ADMIN, params={"query": "up"})
    assert r.status_code == 200, r.text
    assert r.json()["resultType"] == "vector"
    assert {s["metric"]["cluster"] for s in r.json()["result"]} >= {"idc-a", "idc-b"}
    bad = await monitor.get("/v1/query", headers=ADMIN, params={"query": "sum("})
    assert bad.status_code == 400


def _any(manifest: Any) -> Any:
    return manifest
