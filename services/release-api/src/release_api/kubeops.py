"""What release-api does to a cluster: apply, read rollout status, roll back, scale, isolate.

Objects are written with create-or-replace (PUT with the current resourceVersion), not a merge:
what was rendered is exactly what runs — a debug release that drops the probes drops them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_contracts import labels
from flotilla_contracts.enums import Stage

Obj = dict[str, Any]


def _sanitize(api: client.ApiClient, obj: Any) -> Obj:
    return api.sanitize_for_serialization(obj)  # type: ignore[no-any-return]


async def read_deployment(api: client.ApiClient, namespace: str, name: str) -> Obj | None:
    try:
        return _sanitize(
            api, await client.AppsV1Api(api).read_namespaced_deployment(name, namespace)
        )
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


async def apply_service(api: client.ApiClient, manifest: Obj) -> None:
    core = client.CoreV1Api(api)
    meta = manifest["metadata"]
    body: Any = manifest
    try:
        current = await core.read_namespaced_service(meta["name"], meta["namespace"])
    except ApiException as exc:
        if exc.status != 404:
            raise
        await core.create_namespaced_service(meta["namespace"], body)
        return
    desired: Any = {
        **manifest,
        "metadata": {**meta, "resourceVersion": current.metadata.resource_version},
        "spec": {**manifest["spec"], "clusterIP": current.spec.cluster_ip},
    }
    await core.replace_namespaced_service(meta["name"], meta["namespace"], desired)


async def apply_deployment(api: client.ApiClient, manifest: Obj) -> int:
    """Create or replace; returns the Deployment's generation to wait for."""
    apps = client.AppsV1Api(api)
    meta = manifest["metadata"]
    body: Any = manifest
    for _ in range(5):  # a concurrent writer (HPA, kubectl) → 409: read again and retry
        current = await read_deployment(api, meta["namespace"], meta["name"])
        try:
            if current is None:
                created = await apps.create_namespaced_deployment(meta["namespace"], body)
                return int(created.metadata.generation or 1)
            desired: Any = {
                **manifest,
                "metadata": {**meta, "resourceVersion": current["metadata"]["resourceVersion"]},
            }
            replaced = await apps.replace_namespaced_deployment(
                meta["name"], meta["namespace"], desired
            )
            return int(replaced.metadata.generation or 1)
        except ApiException as exc:
            if exc.status != 409:
                raise
    raise RuntimeError(f"deployment {meta['name']}: conflicting writers, gave up after 5 tries")


async def restore_deployment(
    api: client.ApiClient, namespace: str, name: str, previous: Obj
) -> None:
    """Put back the Deployment as it was before a rollout (its spec, labels, annotations)."""
    current = await read_deployment(api, namespace, name)
    if current is None:
        return
    desired: Any = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": previous.get("labels") or {},
            "annotations": previous.get("annotations") or {},
            "resourceVersion": current["metadata"]["resourceVersion"],
        },
        "spec": {**previous["spec"], "replicas": current["spec"].get("replicas", 1)},
    }
    await client.AppsV1Api(api).replace_namespaced_deployment(name, namespace, desired)


def rollback_target(deployment: Obj) -> Obj:
    """What restore_deployment needs, taken before a rollout changes the Deployment."""
    meta = deployment.get("metadata") or {}
    spec = {k: v for k, v in (deployment.get("spec") or {}).items() if k != "paused"}
    return {
        "labels": meta.get("labels") or {},
        "annotations": meta.get("annotations") or {},
        "spec": spec,
    }


@dataclass(frozen=True)
class RolloutStatus:
    done: bool
    failed: str | None
    desired: int
    updated: int
    ready: int
    message: str


def rollout_status(deployment: Obj, generation: int) -> RolloutStatus:
    """The rules of `kubectl rollout status` for a Deployment."""
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    desired = int(spec.get("replicas", 1))
    updated = int(status.get("updatedReplicas") or 0)
    ready = int(status.get("readyReplicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    total = int(status.get("replicas") or 0)

    def result(done: bool, message: str, failed: str | None = None) -> RolloutStatus:
        return RolloutStatus(done, failed, desired, updated, ready, message)

    if int(status.get("observedGeneration") or 0) < generation:
        return result(False, "waiting for the deployment spec update to be observed")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and (
            condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            return result(False, "progress deadline exceeded", f"{condition.get('message')}")
    if updated < desired:
        return result(False, f"{updated} of {desired} new replicas updated")
    if total > updated:
        return result(False, f"{total - updated} old replicas pending termination")
    if available < updated:
        return result(False, f"{available} of {updated} updated replicas available")
    return result(True, "successfully rolled out")


async def release_pods(
    api: client.ApiClient, namespace: str, selector: dict[str, str], release_id: str
) -> tuple[list[str], list[str]]:
    """(ready pods of this release, reasons some of its pods cannot start)."""
    pods = await client.CoreV1Api(api).list_namespaced_pod(
        namespace, label_selector=",".join(f"{k}={v}" for k, v in selector.items())
    )
    ready: list[str] = []
    stuck: list[str] = []
    for pod in pods.items:
        meta = pod.metadata
        if meta.deletion_timestamp or (meta.annotations or {}).get(labels.RELEASE) != (release_id):
            continue
        conditions = {c.type: c.status for c in (pod.status.conditions or [])}
        if conditions.get("Ready") == "True":
            ready.append(meta.name)
        for cs in pod.status.container_statuses or []:
            waiting = cs.state.waiting if cs.state else None
            if waiting and waiting.reason in (
                "ImagePullBackOff",
                "ErrImagePull",
                "CrashLoopBackOff",
            ):
                stuck.append(f"{meta.name}: {waiting.reason}")
    return sorted(ready), stuck


async def ready_pods(api: client.ApiClient, namespace: str, selector: dict[str, str]) -> list[str]:
    """Ready, not terminating pods matching `selector` (any release)."""
    pods = await client.CoreV1Api(api).list_namespaced_pod(
        namespace, label_selector=",".join(f"{k}={v}" for k, v in selector.items())
    )
    return sorted(
        p.metadata.name
        for p in pods.items
        if not p.metadata.deletion_timestamp
        and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    )


async def live_stage(api: client.ApiClient, namespace: str, app: str) -> Stage | None:
    """The stage the app's main Service selects now (blue-green: the live colour)."""
    try:
        svc = await client.CoreV1Api(api).read_namespaced_service(app, namespace)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    value = (svc.spec.selector or {}).get(labels.STAGE)
    return Stage(value) if value in {s.value for s in Stage} else None


async def switch_service(api: client.ApiClient, namespace: str, app: str, stage: Stage) -> None:
    """Point the app's main Service (and its stage label) at `stage`."""
    body: Any = {
        "metadata": {"labels": {labels.STAGE: stage.value}},
        "spec": {"selector": {labels.STAGE: stage.value}},
    }
    await client.CoreV1Api(api).patch_namespaced_service(app, namespace, body)


async def remove_stage(api: client.ApiClient, namespace: str, app: str, stage: Stage) -> None:
    """Delete a stage's Deployment and Service (gone already is fine)."""
    name = f"{app}-{stage.value}"
    for call in (
        client.CoreV1Api(api).delete_namespaced_service,
        client.AppsV1Api(api).delete_namespaced_deployment,
    ):
        try:
            await call(name, namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise


async def set_paused(api: client.ApiClient, namespace: str, name: str, paused: bool) -> None:
    body: Any = {"spec": {"paused": paused}}
    try:
        await client.AppsV1Api(api).patch_namespaced_deployment(name, namespace, body)
    except ApiException as exc:
        if exc.status != 404:
            raise


def held(deployment: Obj) -> bool:
    """Paused by the ingress hold (not by an operator's pause of the release)."""
    annotations = (deployment.get("metadata") or {}).get("annotations") or {}
    return labels.HELD in annotations


async def set_held(api: client.ApiClient, namespace: str, name: str, why: str | None) -> None:
    """Pause the Deployment and say why (the hold), or unpause it and drop the reason — in one
    patch, so the two never disagree."""
    body: Any = {
        "metadata": {"annotations": {labels.HELD: why[:500] if why else None}},
        "spec": {"paused": why is not None},
    }
    try:
        await client.AppsV1Api(api).patch_namespaced_deployment(name, namespace, body)
    except ApiException as exc:
        if exc.status != 404:
            raise


async def lift_hold(api: client.ApiClient, namespace: str, name: str) -> None:
    """Unpause the Deployment if the ingress hold paused it (a rollout that ends there)."""
    current = await read_deployment(api, namespace, name)
    if current is not None and held(current):
        await set_held(api, namespace, name, None)


async def scale_if_present(api: client.ApiClient, namespace: str, name: str, replicas: int) -> None:
    try:
        await scale(api, namespace, name, replicas)
    except ApiException as exc:
        if exc.status != 404:
            raise


async def scale(api: client.ApiClient, namespace: str, name: str, replicas: int) -> None:
    body: Any = {"spec": {"replicas": replicas}}
    await client.AppsV1Api(api).patch_namespaced_deployment_scale(name, namespace, body)


async def isolate_pod(
    api: client.ApiClient, namespace: str, pod: str, *, app: str, by: str, at: str
) -> Obj:
    """Relabel the pod out of its ReplicaSet and Service; keep it for a post-mortem."""
    core = client.CoreV1Api(api)
    current = _sanitize(api, await core.read_namespaced_pod(pod, namespace))
    pod_labels = (current.get("metadata") or {}).get("labels") or {}
    if pod_labels.get(labels.APP) != app:
        raise LookupError(f"pod {pod} is not a pod of {app}")
    body: Any = {
        "metadata": {
            "labels": {labels.ISOLATED: "true"},
            "annotations": {labels.ISOLATED_BY: by, labels.ISOLATED_AT: at},
        }
    }
    return _sanitize(api, await core.patch_namespaced_pod(pod, namespace, body))


async def isolated_pods(api: client.ApiClient, namespace: str, app: str, env: str) -> list[Obj]:
    pods = await client.CoreV1Api(api).list_namespaced_pod(
        namespace,
        label_selector=f"{labels.APP}={app},{labels.ENV}={env},{labels.ISOLATED}=true",
    )
    return [_sanitize(api, p) for p in pods.items]


async def delete_pod(api: client.ApiClient, namespace: str, pod: str) -> None:
    await client.CoreV1Api(api).delete_namespaced_pod(pod, namespace)
