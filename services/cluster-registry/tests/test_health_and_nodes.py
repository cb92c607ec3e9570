"""The prober, environments, node operations and capacity against kubesim clusters."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.kube import api_client

from .conftest import ADMIN, PROBE_INTERVAL_S, VIEWER, Registry, register

pytestmark = pytest.mark.integration


async def admin_knob(cluster: SimulatedCluster, path: str, **body: object) -> None:
    import ssl

    context = ssl.create_default_context(cafile=cluster.ca_file)
    async with httpx.AsyncClient(verify=context) as http:
        (await http.post(f"{cluster.url}/_kubesim/{path}", json=body)).raise_for_status()


async def status_of(registry: Registry, name: str) -> str:
    r = await registry.http.get(f"/v1/clusters/{name}", headers=VIEWER)
    return str(r.json()["status"])


async def wait_status(registry: Registry, name: str, want: str, within_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < within_s:
        if await status_of(registry, name) == want:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"{name} not {want} within {within_s} s (is {await status_of(registry, name)})"
    )


async def test_an_outage_flips_to_unreachable_within_two_intervals_and_back(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    chaos = kubesim.clusters["chaos"]
    await register(registry, chaos, "flaky")
    assert await status_of(registry, "flaky") == "ready"
    outage_s = 6 * PROBE_INTERVAL_S
    await admin_knob(chaos, "outage", mode="refuse", seconds=outage_s)
    took = await wait_status(registry, "flaky", "unreachable", 2 * PROBE_INTERVAL_S + 1.0)
    assert took <= 2 * PROBE_INTERVAL_S + 1.0  # probe timeout is 1 s in these tests
    await wait_status(registry, "flaky", "ready", outage_s + 3 * PROBE_INTERVAL_S + 1.0)
    changes = [
        (e["previous_status"], e["status"])
        for e in await registry.events("io.flotilla.cluster.status_changed")
    ]
    assert changes == [("ready", "unreachable"), ("unreachable", "ready")]
    body = (await registry.http.get("/v1/clusters/flaky", headers=VIEWER)).json()
    assert body["latency_ms"] > 0
    assert body["last_seen_at"]


async def test_a_node_that_is_not_ready_degrades_and_new_nodes_are_recorded(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    chaos = kubesim.clusters["chaos"]
    await register(registry, chaos, "nodes")
    extra = f"join-{uuid.uuid4().hex[:6]}"
    await admin_knob(chaos, "nodes", name=extra)
    try:
        await asyncio.sleep(3 * PROBE_INTERVAL_S)
        joined = [
            e for e in await registry.events("io.flotilla.node.changed") if e["action"] == "joined"
        ]
        assert [e["node"] for e in joined] == [extra]
        await admin_knob(chaos, f"nodes/{extra}/ready", ready=False)
        await wait_status(registry, "nodes", "degraded", 3 * PROBE_INTERVAL_S + 1)
    finally:
        import ssl

        context = ssl.create_default_context(cafile=chaos.ca_file)
        async with httpx.AsyncClient(verify=context) as http:
            await http.delete(f"{chaos.url}/_kubesim/nodes/{extra}")
    await wait_status(registry, "nodes", "ready", 3 * PROBE_INTERVAL_S + 1)


async def test_environments_create_namespaces_and_pin_their_clusters(
    registry: Registry, kubesim: KubesimProcess, api_for: Any
) -> None:
    await register(registry, kubesim.clusters["idc-a"], "env-a")
    await register(registry, kubesim.clusters["idc-b"], "env-b", idc="idc-b")
    namespace = f"shop-{uuid.uuid4().hex[:6]}"
    r = await registry.http.post(
        "/v1/environments",
        headers=ADMIN,
        json={
            "name": "prod",
            "clusters": [
                {"cluster": "env-a", "namespace": namespace},
                {"cluster": "env-b", "namespace": namespace},
            ],
        },
    )
    assert r.status_code == 201, r.text
    assert {c["cluster"] for c in r.json()["clusters"]} == {"env-a", "env-b"}
    for name, idc in (("idc-a", "idc-a"), ("idc-b", "idc-b")):
        async with await api_for(kubesim.clusters[name]) as api:
            ns = await client.CoreV1Api(api).read_namespace(namespace)
        assert ns.metadata.labels["flotilla.io/env"] == "prod"
        assert ns.metadata.labels["app.kubernetes.io/managed-by"] == "flotilla"
        assert ns.metadata.labels["flotilla.io/idc"] == idc
    listed = await registry.http.get("/v1/clusters", params={"environment": "prod"}, headers=VIEWER)
    assert [c["name"] for c in listed.json()["items"]] == ["env-a", "env-b"]
    refused = await registry.http.delete("/v1/clusters/env-a", headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("cluster-in-use")
    forced = await registry.http.delete(
        "/v1/clusters/env-a", params={"force": "true"}, headers=ADMIN
    )
    assert forced.status_code == 204
    env = (await registry.http.get("/v1/environments/prod", headers=VIEWER)).json()
    assert [c["cluster"] for c in env["clusters"]] == ["env-b"]
    changes = await registry.events("io.flotilla.environment.changed")
    assert changes[0]["action"] == "created"


@pytest.fixture
def api_for() -> Any:
    async def connect(cluster: SimulatedCluster) -> client.ApiClient:
        return await api_client(cluster.connection())

    return connect


def deployment(name: str, node: str, replicas: int) -> Any:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {
                    "labels": {"app": name},
                    "annotations": {"kubesim.flotilla.io/ready-after-seconds": "0.1"},
                },
                "spec": {
                    "nodeSelector": {"kubernetes.io/hostname": node},
                    "containers": [
                        {
                            "name": "app",
                            "image": "a:1",
                            "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}},
                        }
                    ],
                },
            },
        },
    }


async def test_drain_reports_pods_a_pdb_protects_and_stops_at_the_timeout(
    registry: Registry, kubesim: KubesimProcess, api_for: Any
) -> None:
    cluster = kubesim.clusters["idc-b"]
    await register(registry, cluster, "drainer", idc="idc-b")
    namespace = f"d-{uuid.uuid4().hex[:6]}"
    async with await api_for(cluster) as api:
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        node = sorted(n.metadata.name for n in (await core.list_node()).items)[-1]
        await core.create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace))
        )
        await apps.create_namespaced_deployment(namespace, deployment("guarded", node, 2))
        await apps.create_namespaced_deployment(namespace, deployment("free", node, 1))
        pdb: Any = {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "guarded"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "guarded"}}},
        }
        await client.PolicyV1Api(api).create_namespaced_pod_disruption_budget(namespace, pdb)
        await asyncio.sleep(1.0)
        try:
            capacity = (
                await registry.http.get("/v1/clusters/drainer/capacity", headers=VIEWER)
            ).json()
            node_cap = next(n for n in capacity["nodes"] if n["node"] == node)
            assert node_cap["cpu"]["requested"] >= 0.75
            assert node_cap["pods"]["requested"] >= 3
            start = time.monotonic()
            r = await registry.http.post(
                f"/v1/clusters/drainer/nodes/{node}/drain", json={"timeout_s": 2}, headers=ADMIN
            )
            took = time.monotonic() - start
            assert r.status_code == 200, r.text
            report = r.json()
            assert report["completed"] is False
            outcomes = {
                p["pod"].rsplit("-", 2)[0]: p["outcome"]
                for p in report["pods"]
                if p["namespace"] == namespace
            }
            assert outcomes == {"guarded": "blocked", "free": "evicted"}
            assert 2.0 <= took < 5.0
            assert (await core.read_node(node)).spec.unschedulable is True
            audit = (
                await registry.http.get(
                    "/v1/audit", params={"target": f"drainer/{node}"}, headers=VIEWER
                )
            ).json()["items"]
            assert audit[0]["action"] == "node.drain"
            assert audit[0]["detail"]["completed"] is False
        finally:
            await core.patch_node(node, {"spec": {"unschedulable": None}})
            await core.delete_namespace(namespace)


async def test_tags_set_through_the_api_show_in_kubectl(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    cluster = kubesim.clusters["idc-a"]
    await register(registry, cluster, "tagged")
    nodes = (await registry.http.get("/v1/clusters/tagged/nodes", headers=VIEWER)).json()
    node = nodes[0]["name"]
    key = f"team-{uuid.uuid4().hex[:6]}"
    r = await registry.http.post(
        f"/v1/clusters/tagged/nodes/{node}/labels", headers=ADMIN, json={"set": {key: "payments"}}
    )
    assert r.status_code == 204, r.text
    shown = await asyncio.to_thread(
        subprocess.run,
        ["kubectl", "get", "nodes", "--show-labels"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={**os.environ, "KUBECONFIG": str(cluster.kubeconfig)},
    )
    line = next(ln for ln in shown.stdout.splitlines() if ln.startswith(node + " "))
    assert f"{key}=payments" in line
    r = await registry.http.post(
        f"/v1/clusters/tagged/nodes/{node}/labels", headers=ADMIN, json={"remove": [key]}
    )
    assert r.status_code == 204
    nodes = (await registry.http.get("/v1/clusters/tagged/nodes", headers=VIEWER)).json()
    assert key not in next(n for n in nodes if n["name"] == node)["labels"]
    taint = await registry.http.post(
        f"/v1/clusters/tagged/nodes/{node}/taints",
        headers=ADMIN,
        json={"add": [{"key": key, "value": "x", "effect": "NoSchedule"}]},
    )
    assert taint.status_code == 204
    nodes = (await registry.http.get("/v1/clusters/tagged/nodes", headers=VIEWER)).json()
    assert {"key": key, "value": "x", "effect": "NoSchedule"} in next(
        n for n in nodes if n["name"] == node
    )["taints"]
    await registry.http.post(
        f"/v1/clusters/tagged/nodes/{node}/taints", headers=ADMIN, json={"remove": [key]}
    )
    actions = [e["action"] for e in await registry.events("io.flotilla.node.changed")]
    assert actions == ["tagged", "tagged", "tainted", "tainted"]
    idc = (await registry.http.get("/v1/capacity", headers=VIEWER)).json()
    assert idc[0]["idc"] == "idc-a"
    assert idc[0]["clusters"] == ["tagged"]
    assert idc[0]["pods"]["allocatable"] > 0


async def test_remove_node_cordons_drains_and_deletes(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    chaos = kubesim.clusters["chaos"]
    await register(registry, chaos, "removal")
    extra = f"gone-{uuid.uuid4().hex[:6]}"
    await admin_knob(chaos, "nodes", name=extra)
    r = await registry.http.post(f"/v1/clusters/removal/nodes/{extra}/cordon", headers=ADMIN)
    assert r.status_code == 204
    nodes = (await registry.http.get("/v1/clusters/removal/nodes", headers=VIEWER)).json()
    assert next(n for n in nodes if n["name"] == extra)["unschedulable"] is True
    r = await registry.http.delete(
        f"/v1/clusters/removal/nodes/{extra}", params={"timeout_s": 5}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    assert r.json()["completed"] is True
    nodes = (await registry.http.get("/v1/clusters/removal/nodes", headers=VIEWER)).json()
    assert extra not in {n["name"] for n in nodes}
    missing = await registry.http.post(f"/v1/clusters/removal/nodes/{extra}/cordon", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("node-not-found")


async def test_every_request_body_in_the_openapi_has_an_example(registry: Registry) -> None:
    doc = (await registry.http.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    bodies = 0
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op.get("operationId"), f"{method} {path} has no operationId"
            body = op.get("requestBody")
            if not body:
                continue
            bodies += 1
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert schemas[ref].get("examples"), f"{method} {path}: {ref} has no example"
    assert bodies >= 8
