"""The Kubernetes objects an app has when Flotilla released it, reduced to what k8s-sync reads:
a Service with Flotilla's labels for (app, env) and a Deployment of kubesim pods behind it."""

from __future__ import annotations

from typing import Any


def flotilla_service(app: str, env: str = "prod") -> dict[str, Any]:
    return {
        "metadata": {
            "name": app,
            "labels": {
                "flotilla.io/app": app,
                "flotilla.io/env": env,
                "app.kubernetes.io/managed-by": "flotilla",
            },
        },
        "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def pods_deployment(app: str, replicas: int, *, ready_after_s: float = 0.1) -> dict[str, Any]:
    return {
        "metadata": {"name": app},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app}},
            "template": {
                "metadata": {
                    "labels": {"app": app},
                    "annotations": {"kubesim.flotilla.io/ready-after-seconds": str(ready_after_s)},
                },
                "spec": {
                    "containers": [
                        {"name": "w", "image": "w:1", "ports": [{"containerPort": 8080}]}
                    ]
                },
            },
        },
    }
