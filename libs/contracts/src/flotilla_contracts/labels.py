"""Label keys Flotilla puts on every Kubernetes object it creates (DESIGN.md, Contracts)."""

from typing import Final

NAME: Final = "app.kubernetes.io/name"
VERSION: Final = "app.kubernetes.io/version"
MANAGED_BY: Final = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE: Final = "flotilla"

APP: Final = "flotilla.io/app"
ENV: Final = "flotilla.io/env"
CLUSTER: Final = "flotilla.io/cluster"
IDC: Final = "flotilla.io/idc"
STAGE: Final = "flotilla.io/stage"
ISOLATED: Final = "flotilla.io/isolated"
# Optional, on a Service: the ingress weight (0-256) of each of its pods; k8s-sync reads it
# from the EndpointSlices, which carry the Service's labels. Default 100.
WEIGHT: Final = "flotilla.io/weight"
DEFAULT_WEIGHT: Final = 100
# Annotation on each Service of an (app, env): the extra hostnames the app declares for that
# environment, comma-separated; k8s-sync routes them (beside the environment's domain template).
HOSTS: Final = "flotilla.io/hosts"

ALL: Final = (NAME, VERSION, MANAGED_BY, APP, ENV, CLUSTER, IDC, STAGE, ISOLATED)
