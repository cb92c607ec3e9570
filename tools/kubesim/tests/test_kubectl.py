"""The real kubectl on this machine against kubesim: each command's outcome is checked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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
    # `kubectl create namespace` would send protobuf; kubesim speaks JSON (apply does too).
    k(
        "apply",
        "-f",
        "-",
        stdin=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {namespace}}}\n",
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
