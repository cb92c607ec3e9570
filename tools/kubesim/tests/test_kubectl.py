"""The real kubectl on this machine against kubesim: each command's outcome is checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from flotilla_devstack.kubesim import SimulatedCluster

KUBECTL = shutil.which("kubectl")


class Kubectl:
    def __init__(self, cluster: SimulatedCluster, namespace: str) -> None:
        self.env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
        self.namespace = namespace

    def __call__(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        assert KUBECTL, "kubectl must be installed"
        result = subprocess.run(
            [KUBECTL, "-n", self.namespace, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json"))


@pytest.fixture
def kubectl(cluster: SimulatedCluster) -> Iterator[Kubectl]:
    namespace = f"k-{uuid.uuid4().hex[:8]}"
    k = Kubectl(cluster, namespace)
    # kubectl sends this one as protobuf (kubesim.protobuf)
    subprocess.run(
        [KUBECTL or "kubectl", "create", "namespace", namespace],
        env=k.env,
        capture_output=True,
        check=True,
        timeout=60,
    )
    yield k
    k("delete", "namespace", namespace, "--wait=false")


MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, labels: {app: shop}}
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata:
      labels: {app: shop, app.kubernetes.io/version: "1.0"}
      annotations: {kubesim.flotilla.io/ready-after-seconds: "0.2"}
    spec:
      containers:
        - name: shop
          image: shop:1.0
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  selector: {app: shop}
  ports: [{port: 80, targetPort: http}]
"""


def test_apply_rollout_scale_set_image_undo(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "shop.yaml"
    manifest.write_text(MANIFEST)
    out = kubectl("apply", "-f", str(manifest))
    assert "deployment.apps/shop created" in out
    assert "service/shop created" in out
    assert "successfully rolled out" in kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    assert kubectl.json("get", "deploy", "shop")["status"]["readyReplicas"] == 2
    # apply again is a no-op patch
    assert "unchanged" in kubectl("apply", "-f", str(manifest))

    kubectl("scale", "deploy/shop", "--replicas=4")
    kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    pods = kubectl.json("get", "pods", "-l", "app=shop")["items"]
    assert len(pods) == 4

    kubectl("set", "image", "deploy/shop", "shop=shop:2.0")
    kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    assert _images(kubectl) == {"shop:2.0"}
    kubectl("rollout", "undo", "deploy/shop")
    kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    deadline = time.monotonic() + 10
    while _images(kubectl) != {"shop:1.0"} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _images(kubectl) == {"shop:1.0"}
    assert len(kubectl.json("get", "rs")["items"]) == 2  # undo reused the first ReplicaSet


def _images(kubectl: Kubectl) -> set[str]:
    pods = kubectl.json("get", "pods", "-l", "app=shop")["items"]
    return {p["spec"]["containers"][0]["image"] for p in pods}


def test_get_every_kind_yaml_and_selectors(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "shop.yaml"
    manifest.write_text(MANIFEST)
    kubectl("apply", "-f", str(manifest))
    kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    kubectl("apply", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n")
    for kind in (
        "namespaces",
        "nodes",
        "pods",
        "services",
        "endpoints",
        "events",
        "configmaps",
        "deployments",
        "replicasets",
        "endpointslices",
        "leases",
        "poddisruptionbudgets",
    ):
        kubectl("get", kind)
    doc = yaml.safe_load(kubectl("get", "deploy", "shop", "-o", "yaml"))
    assert doc["kind"] == "Deployment"
    assert doc["spec"]["template"]["spec"]["containers"][0]["image"] == "shop:1.0"
    table = kubectl("get", "pods", "-l", "app=shop").splitlines()
    assert table[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert all(row.split()[1:3] == ["1/1", "Running"] for row in table[1:])
    wide = kubectl("get", "deploy", "shop").splitlines()
    assert wide[1].split()[:4] == ["shop", "2/2", "2", "2"]
    names = kubectl("get", "pods", "-l", "app=shop", "-o", "name").split()
    assert len(names) == 2
    assert kubectl("get", "pods", "-l", "app=nothing", "-o", "name").strip() == ""
    events = kubectl.json("get", "events")["items"]
    assert any(e["reason"] == "ScalingReplicaSet" for e in events)


def test_label_cordon_logs_and_delete_pod(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "shop.yaml"
    manifest.write_text(MANIFEST)
    kubectl("apply", "-f", str(manifest))
    kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    pod = kubectl("get", "pods", "-l", "app=shop", "-o", "name").split()[0]

    kubectl("label", pod, "audit=yes")
    assert kubectl.json("get", pod)["metadata"]["labels"]["audit"] == "yes"
    logs = kubectl("logs", pod)
    assert "starting" in logs
    assert "shop:1.0" in logs

    kubectl("delete", pod, "--wait=false")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        remaining = kubectl("get", "pods", "-l", "app=shop", "-o", "name").split()
        if pod not in remaining and len(remaining) == 2:
            break
        time.sleep(0.1)
    assert pod not in remaining
    assert len(remaining) == 2  # the ReplicaSet replaced it

    node = kubectl.json("get", "nodes")["items"][-1]["metadata"]["name"]
    kubectl("cordon", node)
    try:
        assert kubectl.json("get", "node", node)["spec"]["unschedulable"] is True
        kubectl("label", "node", node, f"pool-{kubectl.namespace}=x")
        shown = kubectl("get", "nodes", "--show-labels")
        assert f"pool-{kubectl.namespace}=x" in shown
    finally:
        kubectl("uncordon", node)
        kubectl("label", "node", node, f"pool-{kubectl.namespace}-")
    assert not kubectl.json("get", "node", node)["spec"].get("unschedulable")


def test_get_all_top_and_events_as_on_a_real_server(kubectl: Kubectl, tmp_path: Path) -> None:
    """Issue 21's habits: `get all` (the "all" category in discovery), `top` (metrics.k8s.io)
    and `get events` with the server's columns."""
    manifest = tmp_path / "shop.yaml"
    manifest.write_text(MANIFEST)
    kubectl("apply", "-f", str(manifest))
    kubectl("rollout", "status", "deploy/shop", "--timeout=30s")
    everything = kubectl("get", "all", "-o", "name").split()
    kinds = {name.split("/")[0] for name in everything}
    assert kinds == {"pod", "service", "deployment.apps", "replicaset.apps"}, everything
    top = kubectl("top", "pods").splitlines()
    assert top[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert len(top) == 3
    assert all(row.split()[1:] == ["50m", "64Mi"] for row in top[1:])  # the defaults
    nodes = kubectl("top", "nodes").splitlines()
    assert nodes[0].split()[:3] == ["NAME", "CPU(cores)", "CPU(%)"]
    events = kubectl("get", "events").splitlines()
    assert events[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert any("ScalingReplicaSet" in row and "deployment/shop" in row for row in events)


def test_imperative_creates_send_protobuf_and_work(kubectl: Kubectl) -> None:
    """`kubectl create <kind>` sends protobuf (issue 21: they were 415s); what they create is
    what the same command creates on a real server, read back as JSON."""
    kubectl("create", "deployment", "web", "--image=web:1", "--replicas=2", "--port=8080")
    kubectl("create", "configmap", "cfg", "--from-literal=mode=fast")
    kubectl("create", "secret", "generic", "pw", "--from-literal=password=s3cret")
    kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")
    kubectl("create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1")
    kubectl("rollout", "status", "deploy/web", "--timeout=30s")
    kubectl("scale", "deployment", "web", "--replicas=0")
    deployment = kubectl.json("get", "deploy", "web")
    assert deployment["spec"]["replicas"] == 0  # a zero that means something is kept
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "web:1"
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert "paused" not in deployment["spec"]
    assert kubectl.json("get", "configmap", "cfg")["data"] == {"mode": "fast"}
    secret = kubectl.json("get", "secret", "pw")
    assert secret["data"] == {"password": "czNjcmV0"}  # base64, as bytes are in JSON
    service = kubectl.json("get", "service", "web")
    assert service["spec"]["ports"][0]["port"] == 80
    assert service["spec"]["ports"][0]["targetPort"] == 8080  # an IntOrString's int
    pdb = kubectl.json("get", "pdb", "web")
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"] == {"matchLabels": {"app": "web"}}


def test_the_protobuf_field_table_is_the_published_one() -> None:
    """kubesim/protofields.json is what the published generated.proto files say (regenerate:
    `uv run python -m kubesim.protobuf`; needs Go, which fetches the modules)."""
    check = subprocess.run(
        [sys.executable, "-m", "kubesim.protobuf", "--check"], capture_output=True, timeout=300
    )
    assert check.returncode == 0, check.stderr.decode()
