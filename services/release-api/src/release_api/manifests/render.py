"""Manifests: an app's spec + where it goes → the Deployment and Service to apply. Pure functions.

Per (app, env, cluster, stage) one Deployment and one Service, both carrying every Flotilla label
(DESIGN.md). Decisions worth knowing:
- Names: stage `stable` is `<app>`, other stages `<app>-<stage>` (`shop-gray`, `shop-blue`).
- Selectors include `flotilla.io/isolated: "false"`: relabelling a pod `isolated=true` makes its
  ReplicaSet let go of it (and replace it) and its Service stop sending it traffic, while the pod
  lives on for a post-mortem.
- The Service carries the labels k8s-sync needs (managed-by, app, env, stage; Kubernetes copies
  a Service's labels onto its EndpointSlices), the gray weight when there is one, and the
  hostnames the app declares for the environment (annotation `flotilla.io/hosts`): k8s-sync
  builds the ingress's routes from these Services, so a release is what changes a route.
- Rolling updates never take capacity away first: maxUnavailable 0, maxSurge 25 %.
- Hooks run no program the app did not name (release_api.apps.podrun): preStop is the native
  `sleep` for the ingress to stop sending (the measured propagation plus a margin), or the
  app's own command; postStart only when the app names one; terminationGracePeriodSeconds
  leaves room for the drain.
- Every container runs as Pod Security "restricted" asks, unless the app runs as root
  (`security`), then "baseline".
- Sidecars are native sidecars: init containers with `restartPolicy: Always`, in their order.
- Java: `-XX:ActiveProcessorCount` from the CPU limit, so the JVM sizes its pools to the limit
  and not to the node's cores.
- Debug mode: no probes and no lifecycle hooks (a CrashLoopBackOff pod stays up to be looked
  at), marked by the `flotilla.io/debug: "true"` label on the Deployment and its pods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flotilla_contracts import labels
from flotilla_contracts.enums import AppType, Stage
from flotilla_runtime.kube import quantity
from release_api.apps.podrun import container_context, pod_context
from release_api.apps.schemas import AppSpec

STOP_MARGIN_S = 10


@dataclass(frozen=True)
class Target:
    """Where and what: one cluster's Deployment of one release."""

    app: str
    app_type: AppType
    env: str
    cluster: str
    idc: str
    namespace: str
    image: str
    replicas: int
    stage: Stage = Stage.STABLE
    release_id: str = ""
    template_release_id: str = ""  # a rollback reuses the earlier pod template (and its pods)
    debug: bool = False
    drain_s: float = 3.0  # measured ingress propagation + margin, from release-api's settings
    weight: int | None = None  # HAProxy weight of this stage's pods (gray)
    sleep_hook: bool = True  # the API server knows preStop `sleep` (Kubernetes >= 1.30)


def object_name(app: str, stage: Stage) -> str:
    return app if stage == Stage.STABLE else f"{app}-{stage.value}"


def image_tag(image: str) -> str:
    """The tag of `repo/name:tag` (digest references give the digest's first 12 hex)."""
    if "@" in image:
        return image.split("@", 1)[1].split(":", 1)[-1][:12]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else "latest"


def selector(app: str, env: str, stage: Stage) -> dict[str, str]:
    """The pods of one stage of an app in an env (isolated pods excluded)."""
    return {
        labels.APP: app,
        labels.ENV: env,
        labels.STAGE: stage.value,
        labels.ISOLATED: "false",
    }


def common_labels(target: Target) -> dict[str, str]:
    return {
        labels.NAME: target.app,
        labels.VERSION: label_value(image_tag(target.image)),
        labels.MANAGED_BY: labels.MANAGED_BY_VALUE,
        labels.APP: target.app,
        labels.ENV: target.env,
        labels.CLUSTER: target.cluster,
        labels.IDC: target.idc,
        labels.STAGE: target.stage.value,
    }


def render(spec: AppSpec, target: Target) -> dict[str, dict[str, Any]]:
    """{"deployment": ..., "service": ...} exactly as they will be applied."""
    return {"deployment": deployment(spec, target), "service": service(spec, target)}


def service(spec: AppSpec, target: Target, *, name: str | None = None) -> dict[str, Any]:
    """The stage's Service (`name`: blue-green's live Service `<app>` selecting a colour)."""
    meta_labels = common_labels(target)
    if target.weight is not None:
        meta_labels[labels.WEIGHT] = str(target.weight)
    metadata: dict[str, Any] = {
        "name": name or object_name(target.app, target.stage),
        "namespace": target.namespace,
        "labels": meta_labels,
    }
    if hosts := spec.hosts.get(target.env):
        # k8s-sync routes these hostnames to the app (k8s_sync.sync.routes).
        metadata["annotations"] = {labels.HOSTS: ",".join(hosts)}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "type": "ClusterIP",
            "selector": selector(target.app, target.env, target.stage),
            "ports": [{"name": "http", "port": 80, "targetPort": spec.port, "protocol": "TCP"}],
        },
    }


def deployment(spec: AppSpec, target: Target) -> dict[str, Any]:
    meta_labels = {**common_labels(target), labels.DEBUG: str(target.debug).lower()}
    pod_labels = {**meta_labels, labels.ISOLATED: "false"}
    template_release = target.template_release_id or target.release_id
    pod_annotations = {**spec.pod_annotations, labels.RELEASE: template_release}
    drain = math.ceil(target.drain_s + spec.lifecycle.drain_extra_s)
    init_containers = [
        {
            "name": sidecar.name,
            "image": sidecar.image,
            "restartPolicy": "Always",
            **({"ports": [{"containerPort": p} for p in sidecar.ports]} if sidecar.ports else {}),
            **({"env": [e.model_dump() for e in sidecar.env]} if sidecar.env else {}),
            **_resources(sidecar.resources.model_dump(exclude_none=True)),
            "securityContext": container_context(spec.security),
        }
        for sidecar in sorted(spec.sidecars, key=lambda s: (s.order, s.name))
    ]
    pod_spec: dict[str, Any] = {
        "terminationGracePeriodSeconds": drain + STOP_MARGIN_S + 20,
        "securityContext": pod_context(spec.security),
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector(target.app, target.env, target.stage)},
            }
        ],
        **({"initContainers": init_containers} if init_containers else {}),
        "containers": [_main_container(spec, target, drain)],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": object_name(target.app, target.stage),
            "namespace": target.namespace,
            "labels": meta_labels,
            "annotations": {labels.RELEASE: target.release_id},
        },
        "spec": {
            "replicas": target.replicas,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": selector(target.app, target.env, target.stage)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
            },
            "template": {
                "metadata": {"labels": pod_labels, "annotations": pod_annotations},
                "spec": pod_spec,
            },
        },
    }


def _main_container(spec: AppSpec, target: Target, drain: int) -> dict[str, Any]:
    env = [e.model_dump() for e in spec.env]
    env += [
        {"name": "FLOTILLA_APP", "value": target.app},
        {"name": "FLOTILLA_ENV", "value": target.env},
        {"name": "FLOTILLA_CLUSTER", "value": target.cluster},
        {"name": "FLOTILLA_STAGE", "value": target.stage.value},
    ]
    if spec.lifecycle.pre_stop and not target.debug:
        env.append({"name": "FLOTILLA_DRAIN_SECONDS", "value": str(drain)})
    cpu_limit = spec.resources.limits.cpu
    if target.app_type == AppType.JAVA and cpu_limit:
        cpus = max(1, math.ceil(quantity(cpu_limit)))
        existing = next((e for e in env if e["name"] == "JAVA_TOOL_OPTIONS"), None)
        flag = f"-XX:ActiveProcessorCount={cpus}"
        if existing is None:
            env.append({"name": "JAVA_TOOL_OPTIONS", "value": flag})
        else:
            existing["value"] = f"{existing['value']} {flag}".strip()
    container: dict[str, Any] = {
        "name": target.app,
        "image": target.image,
        "command": ["/bin/sh", "-c", f"exec {spec.app_yaml.entrypoint}"],
        "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
        "env": env,
        **_resources(spec.resources.model_dump(exclude_none=True)),
        "securityContext": container_context(spec.security),
    }
    if spec.config_refs:
        container["envFrom"] = [
            {"configMapRef" if ref.kind == "configmap" else "secretRef": {"name": ref.name}}
            for ref in spec.config_refs
        ]
    if target.debug:
        return container
    check = spec.health_check
    probe = {
        "httpGet": {"path": check.path, "port": check.port or spec.port},
        "initialDelaySeconds": check.initial_delay_s,
        "periodSeconds": check.period_s,
        "timeoutSeconds": check.timeout_s,
        "failureThreshold": check.failure_threshold,
    }
    container["readinessProbe"] = probe
    container["livenessProbe"] = {
        **probe,
        "initialDelaySeconds": check.initial_delay_s + 30,
        "failureThreshold": check.failure_threshold + 2,
    }
    hooks = _hooks(spec, target, drain)
    if hooks:
        container["lifecycle"] = hooks
    return container


def _hooks(spec: AppSpec, target: Target, drain: int) -> dict[str, Any]:
    """The app's own hooks when its spec names them; otherwise only the native drain sleep
    (release_api.apps.podrun says why)."""
    lifecycle = spec.lifecycle
    hooks: dict[str, Any] = {}
    if lifecycle.post_start:
        hooks["postStart"] = {"exec": {"command": list(lifecycle.post_start)}}
    if lifecycle.pre_stop:
        hooks["preStop"] = {"exec": {"command": list(lifecycle.pre_stop)}}
    elif target.sleep_hook:
        hooks["preStop"] = {"sleep": {"seconds": drain}}
    return hooks


def _resources(resources: dict[str, dict[str, str]]) -> dict[str, Any]:
    kept = {k: v for k, v in resources.items() if v}
    return {"resources": kept} if kept else {}


def label_value(value: str) -> str:
    """A string made a valid label value (≤ 63, alphanumerics, '-', '_', '.')."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in value)[:63]
    return cleaned.strip("-_.") or "unknown"
