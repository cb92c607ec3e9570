"""Two k8s-sync replicas as real processes: one writes; SIGKILL it and the other takes over.

cluster-registry and both k8s-sync replicas run as `flotilla-<service> serve` processes against
the test PostgreSQL, Kafka, kubesim and a real HAProxy, as they would in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

import cluster_registry.main as registry_main
import k8s_sync.main as sync_main
from flotilla_contracts.enums import Role
from flotilla_devstack.haproxy import HAProxyProcess, ingresses_env
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.procs import ManagedProcess, free_port
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_devstack.stack import venv_script
from flotilla_runtime.auth import mint_token
from flotilla_runtime.kube import api_client
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings
from k8s_sync.ingress.haproxy import HAProxyCommandError, HAProxyRuntime

from .app_objects import flotilla_service, pods_deployment

pytestmark = pytest.mark.e2e
log = logging.getLogger(__name__)
APP = "failover"
BACKEND = f"{APP}.prod"
AUTH = AuthSettings()
ADMIN = {"Authorization": "Bearer " + mint_token(AUTH, subject="a", roles=[Role.ADMIN])}
VIEWER = {"Authorization": "Bearer " + mint_token(AUTH, subject="v", roles=[Role.VIEWER])}


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def haproxy(tmp_path: Path) -> Iterator[HAProxyProcess]:
    process = HAProxyProcess(tmp_path / "haproxy")
    process.start()
    yield process
    process.stop()


async def _serve(
    tmp_path: Path, name: str, service: str, env: dict[str, str], port: int
) -> ManagedProcess:
    proc = ManagedProcess(
        name,
        [venv_script(f"flotilla-{service}"), "serve"],
        log_path=tmp_path / f"{name}.log",
        env={**os.environ, **env},
    )
    proc.start()
    url = f"http://127.0.0.1:{port}"
    await asyncio.to_thread(proc.wait_until, lambda: _ready(url), 60, f"{url}/readyz")
    return proc


async def test_killed_leader_is_replaced_and_nothing_is_written_twice(
    tmp_path: Path,
    postgres_url: str,
    kafka_bootstrap: str,
    kubesim: KubesimProcess,
    haproxy: HAProxyProcess,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    registry_db = await fresh_database(postgres_url, f"fo_reg_{suffix}")
    sync_db = await fresh_database(postgres_url, f"fo_sync_{suffix}")
    await upgrade_async(registry_db, registry_main.MIGRATIONS)
    await upgrade_async(sync_db, sync_main.MIGRATIONS)
    procs: list[ManagedProcess] = []
    namespace = f"fo-{suffix}"
    cluster = kubesim.clusters["idc-a"]
    try:
        registry_port = free_port()
        procs.append(
            await _serve(
                tmp_path,
                "registry",
                "cluster-registry",
                {
                    "CLUSTER_REGISTRY_PORT": str(registry_port),
                    "CLUSTER_REGISTRY_DATABASE_URL": registry_db,
                    "CLUSTER_REGISTRY_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                    "CLUSTER_REGISTRY_PROBE_INTERVAL_S": "60",
                },
                registry_port,
            )
        )
        registry = f"http://127.0.0.1:{registry_port}"
        async with httpx.AsyncClient(base_url=registry, timeout=30) as http:
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
            r = await http.post(  # k8s-sync serves only the namespace prod maps to
                "/v1/environments",
                headers=ADMIN,
                json={"name": "prod", "clusters": [{"cluster": "idc-a", "namespace": namespace}]},
            )
            assert r.status_code == 201, r.text

        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            procs.append(
                await _serve(
                    tmp_path,
                    f"sync-{i}",
                    "k8s-sync",
                    {
                        "K8S_SYNC_PORT": str(port),
                        "K8S_SYNC_DATABASE_URL": sync_db,
                        "K8S_SYNC_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                        "K8S_SYNC_INGRESSES": ingresses_env([haproxy]),
                        "K8S_SYNC_CLUSTER_REGISTRY_URL": registry,
                        "K8S_SYNC_SERVICE_TOKEN": mint_token(
                            AUTH, subject="k8s-sync", service=True
                        ),
                        "K8S_SYNC_RECONCILE_S": "0.5",
                    },
                    port,
                )
            )
        replicas = {
            i: httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", headers=VIEWER, timeout=10)
            for i, p in enumerate(ports)
        }
        driver = HAProxyRuntime(str(haproxy.socket))
        async with await api_client(cluster.connection()) as api:
            core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
            # the namespace exists: mapping the environment to it created it
            await core.create_namespaced_service(namespace, _any(flotilla_service(APP)))
            await apps.create_namespaced_deployment(namespace, _any(pods_deployment(APP, 2)))
            await _until(lambda: _serves(driver, core, namespace, 2), 30)

            status = {i: (await r.get("/v1/sync/replica")).json() for i, r in replicas.items()}
            leaders = [i for i, s in status.items() if s["leader"]]
            assert len(leaders) == 1, status
            leader, follower = leaders[0], 1 - leaders[0]
            assert status[leader]["applied_batches"] > 0
            assert status[follower]["applied_batches"] == 0  # one writer only

            procs[1 + leader].kill()
            killed_at = time.monotonic()
            await apps.patch_namespaced_deployment_scale(
                APP, namespace, _any({"spec": {"replicas": 4}})
            )

            async def took_over() -> bool:
                s = (await replicas[follower].get("/v1/sync/replica")).json()
                return bool(s["leader"])

            await _until(took_over, 10)
            failover_s = time.monotonic() - killed_at
            await _until(lambda: _serves(driver, core, namespace, 4), 20)
            converged_s = time.monotonic() - killed_at
            log.info("failover %.2f s, ingress converged %.2f s", failover_s, converged_s)
            assert failover_s < 5.0
            after = (await replicas[follower].get("/v1/sync/replica")).json()
            assert after["applied_batches"] > 0
            await core.delete_namespace(namespace)
        await driver.close()
        for http in replicas.values():
            await http.aclose()
    finally:
        for proc in reversed(procs):
            await asyncio.to_thread(proc.stop)


async def _serves(driver: HAProxyRuntime, core: Any, namespace: str, n: int) -> bool:
    """The ingress serves exactly the live pods (by address), and there are `n` of them."""
    pods = await core.list_namespaced_pod(namespace, label_selector=f"app={APP}")
    live = {p.status.pod_ip for p in pods.items if not p.metadata.deletion_timestamp}
    await driver.close()  # a connection from before a reload would read the old worker
    try:
        servers = await driver.servers(BACKEND)
    except HAProxyCommandError:
        return False  # the backend is being created: its reload has not happened yet
    ready = {s.address for s in servers if s.state == "ready"}
    return len(live) == n and None not in live and ready == live


async def _until(check: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _any(manifest: Any) -> Any:
    return manifest
