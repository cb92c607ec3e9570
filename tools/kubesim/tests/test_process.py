"""kubesim as a process with options: scenario files, pod listeners, Filebeat logs, metrics."""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaConsumer
from kubernetes_asyncio import client
from prometheus_client.parser import text_string_to_metric_families

from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.settings import KafkaSettings

from .conftest import api_client
from .workloads import deployment, until, wait_rolled_out

pytestmark = pytest.mark.integration


def test_scenario_file_shapes_the_clusters_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "clusters": [
                    {
                        "name": "idc-x",
                        "nodes": 2,
                        "node": {"cpu": "4", "memory": "8Gi", "pods": 20},
                    },
                    {"name": "uk8s", "nodes": 1, "image_faults": {"bad:1": "CrashLoopBackOff"}},
                ]
            }
        )
    )
    process = KubesimProcess(tmp_path / "ks", clusters=("idc-x", "uk8s"), scenario=scenario)
    process.start()
    try:
        idc = process.clusters["idc-x"]
        kubeconfig = yaml.safe_load(idc.kubeconfig.read_text())
        assert kubeconfig["clusters"][0]["cluster"]["server"] == idc.url
        assert kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]
        with httpx.Client(verify=_ssl(idc)) as http:
            headers = {"Authorization": f"Bearer {idc.token}"}
            nodes = http.get(f"{idc.url}/api/v1/nodes", headers=headers).json()["items"]
            state = http.get(f"{process.clusters['uk8s'].url}/_kubesim/").json()
        assert len(nodes) == 2
        assert nodes[0]["status"]["allocatable"] == {
            "cpu": "4",
            "memory": "8Gi",
            "pods": "20",
            "ephemeral-storage": "100Gi",
        }
        assert state["knobs"]["image_faults"] == {"bad:1": "CrashLoopBackOff"}
    finally:
        assert process.stop() == 0  # SIGTERM: a clean exit


def _ssl(cluster: SimulatedCluster) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cluster.ca_file)


@pytest.fixture
def featured_kubesim(tmp_path: Path, kafka_bootstrap: str) -> Iterator[tuple[KubesimProcess, str]]:
    topic = f"logs.{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(KafkaSettings(kafka_bootstrap_servers=kafka_bootstrap), [topic]))
    process = KubesimProcess(
        tmp_path / "ks",
        clusters=("live",),
        extra_args=(
            "--pod-listeners",
            "--kafka-bootstrap",
            kafka_bootstrap,
            "--log-topic",
            topic,
            "--log-interval",
            "0.2",
        ),
    )
    process.start()
    yield process, topic
    process.stop()


@pytest.fixture
async def live(
    featured_kubesim: tuple[KubesimProcess, str],
) -> AsyncIterator[tuple[client.ApiClient, str]]:
    process, topic = featured_kubesim
    async with await api_client(process.clusters["live"]) as api:
        yield api, topic


async def test_pods_serve_http_on_their_ip_until_sigterm(
    live: tuple[client.ApiClient, str],
) -> None:
    api, _ = live
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    manifest = deployment(
        "echo", replicas=2, annotations={"kubesim.flotilla.io/pre-stop-seconds": "1.0"}
    )
    manifest["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"] = "1.4"
    await apps.create_namespaced_deployment("default", manifest)
    await wait_rolled_out(apps, "echo", "default")
    pods = (await core.list_namespaced_pod("default", label_selector="app=echo")).items
    async with httpx.AsyncClient(timeout=2) as http:
        for pod in pods:
            answer = (await http.get(f"http://{pod.status.pod_ip}:8080/")).json()
            assert answer == {
                "pod": pod.metadata.name,
                "namespace": "default",
                "cluster": "live",
                "version": "1.4",
                "image": "app:1",
            }
        victim = pods[0]
        await core.delete_namespaced_pod(victim.metadata.name, "default")
        await asyncio.sleep(0.3)  # terminating, preStop running: still serving
        assert (await http.get(f"http://{victim.status.pod_ip}:8080/")).status_code == 200

        async def refused() -> bool:
            try:
                await http.get(f"http://{victim.status.pod_ip}:8080/")
            except httpx.ConnectError:
                return True
            return False

        await until(refused, timeout_s=5, what="the pod to stop listening after SIGTERM")


async def test_pod_logs_reach_kafka_in_filebeat_format(
    live: tuple[client.ApiClient, str], kafka_bootstrap: str
) -> None:
    api, topic = live
    apps = client.AppsV1Api(api)
    manifest = deployment("chatty", replicas=1)
    manifest["spec"]["template"]["metadata"]["labels"]["flotilla.io/app"] = "chatty"
    await apps.create_namespaced_deployment("default", manifest)
    await wait_rolled_out(apps, "chatty", "default")
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    events: list[dict[str, object]] = []
    try:
        async with asyncio.timeout(15):
            while len([e for e in events if _pod(e).startswith("chatty-")]) < 3:
                batch = await consumer.getmany(timeout_ms=200)
                events += [json.loads(r.value) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    mine = [e for e in events if _pod(e).startswith("chatty-")]
    first = mine[0]
    assert first["@metadata"] == {"beat": "filebeat", "type": "_doc", "version": "8.14.3"}
    assert str(first["@timestamp"]).endswith("Z")
    kube = first["kubernetes"]
    assert isinstance(kube, dict)
    assert kube["namespace"] == "default"
    assert kube["labels"]["flotilla_io/app"] == "chatty"  # dedotted: '.' → '_'
    assert kube["container"]["name"] == "app"
    assert first["orchestrator"] == {"cluster": {"name": "live"}}
    app_lines = [e for e in mine if str(e["message"]).startswith("{")]
    assert json.loads(str(app_lines[0]["message"]))["level"] in ("info", "warn", "error")


def _pod(event: dict[str, object]) -> str:
    kube = event.get("kubernetes")
    return str(kube["pod"]["name"]) if isinstance(kube, dict) else ""


async def test_metrics_endpoint_serves_kube_state_and_cadvisor_series(
    api: client.ApiClient, namespace: str, cluster: SimulatedCluster
) -> None:
    apps = client.AppsV1Api(api)
    manifest = deployment(
        "metered",
        replicas=2,
        annotations={
            "kubesim.flotilla.io/cpu-cores": "0.5",
            "kubesim.flotilla.io/memory-bytes": "1000000",
        },
    )
    await apps.create_namespaced_deployment(namespace, manifest)
    await wait_rolled_out(apps, "metered", namespace)
    await asyncio.sleep(1.1)
    async with httpx.AsyncClient(verify=_ssl(cluster)) as http:
        response = await http.get(f"{cluster.url}/metrics")
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = [
        s
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if s.labels.get("namespace") == namespace
    ]
    by_name: dict[str, list[Any]] = {}
    for s in samples:
        by_name.setdefault(s.name, []).append(s)
    running = [
        s
        for s in by_name["kube_pod_status_phase"]
        if s.labels["phase"] == "Running" and s.value == 1
    ]
    assert len(running) == 2
    cpu = [s for s in by_name["container_cpu_usage_seconds_total"]]
    assert len(cpu) == 2
    assert all(0.5 <= s.value <= 0.5 * 10 for s in cpu)  # 0.5 cores for ≥ 1 s
    memory = by_name["container_memory_working_set_bytes"]
    assert {s.value for s in memory} == {1000000.0}
    assert {s.labels["container"] for s in memory} == {"app"}
    available = by_name["kube_deployment_status_replicas_available"]
    assert [s.value for s in available] == [2.0]
    restarts = by_name["kube_pod_container_status_restarts_total"]
    assert {s.value for s in restarts} == {0.0}
    for family in (
        "container_fs_reads_bytes_total",
        "container_network_receive_bytes_total",
        "kube_pod_owner",
    ):
        assert by_name[family]
