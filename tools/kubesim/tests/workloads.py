"""Builders and waits shared by kubesim's controller tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from kubernetes_asyncio import client

READY_AFTER = "kubesim.flotilla.io/ready-after-seconds"


def deployment(
    name: str,
    *,
    replicas: int = 3,
    image: str = "app:1",
    ready_after: float = 0.1,
    annotations: dict[str, str] | None = None,
    strategy: dict[str, Any] | None = None,
    node_selector: dict[str, str] | None = None,
    cpu: str | None = None,
) -> Any:
    """A Deployment manifest (the client accepts plain dicts as bodies)."""
    container: dict[str, Any] = {
        "name": "app",
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080}],
    }
    if cpu:
        container["resources"] = {"requests": {"cpu": cpu}}
    pod_spec: dict[str, Any] = {"containers": [container]}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {
                "labels": {"app": name},
                "annotations": {READY_AFTER: str(ready_after), **(annotations or {})},
            },
            "spec": pod_spec,
        },
    }
    if strategy:
        spec["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}


def service(name: str) -> Any:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"team": f"{name}-team"}},
        "spec": {
            "selector": {"app": name},
            "ports": [{"name": "web", "port": 80, "targetPort": "http"}],
        },
    }


async def until(
    check: Callable[[], Awaitable[bool]], timeout_s: float = 15.0, what: str = "condition"
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        if await check():
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


def rolled_out(d: client.V1Deployment) -> bool:
    """`kubectl rollout status`'s rule (DeploymentStatusViewer)."""
    s = d.status
    if d.metadata.generation > (s.observed_generation or 0):
        return False
    for cond in s.conditions or []:
        if cond.type == "Progressing" and cond.reason == "ProgressDeadlineExceeded":
            return False
    want = d.spec.replicas
    return bool(
        (s.updated_replicas or 0) >= want
        and (s.replicas or 0) <= (s.updated_replicas or 0)
        and (s.available_replicas or 0) >= (s.updated_replicas or 0)
    )


async def wait_rolled_out(
    apps: client.AppsV1Api, name: str, namespace: str, timeout_s: float = 20.0
) -> client.V1Deployment:
    result: list[client.V1Deployment] = []

    async def check() -> bool:
        d = await apps.read_namespaced_deployment(name, namespace)
        result[:] = [d]
        return rolled_out(d)

    await until(check, timeout_s, f"deployment {name} to roll out")
    return result[0]
