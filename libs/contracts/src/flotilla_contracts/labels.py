"""Every label and annotation key Flotilla writes on Kubernetes objects, or reads from them.

The services only name these constants: a key that one service writes and another reads is a
contract, and a typo in a string literal would break it without any test or type check seeing.
"""

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

# Kubernetes' own label on an EndpointSlice: the Service it belongs to.
SERVICE_NAME: Final = "kubernetes.io/service-name"

PREFIX: Final = "flotilla.io/"  # keys an app's own labels may not use
# On a pod template: the release that rendered it (release-api tells its own rollout apart).
RELEASE: Final = "flotilla.io/release"
# On a pod template: debug mode (probes and hooks off), set by release-api.
DEBUG: Final = "flotilla.io/debug"
# Annotations on an isolated pod (with the ISOLATED label): who isolated it and when (ISO 8601);
# monitor-gateway's alerts leave a pod alone from that time.
ISOLATED_BY: Final = "flotilla.io/isolated-by"
ISOLATED_AT: Final = "flotilla.io/isolated-at"
# Annotation on a Deployment release-api paused because the ingress did not follow its pods
# (release_api.rollouts.hold): why. The pause and its reason are one write, so whoever looks
# next knows the pause is the hold's to lift, whatever the database recorded meanwhile.
HELD: Final = "flotilla.io/held"

ALL: Final = (NAME, VERSION, MANAGED_BY, APP, ENV, CLUSTER, IDC, STAGE, ISOLATED)

# Pod Security admission's labels on a namespace (Kubernetes reads them; cluster-registry writes
# them from the environment's policy.pod_security):
# https://kubernetes.io/docs/concepts/security/pod-security-admission/
POD_SECURITY_ENFORCE: Final = "pod-security.kubernetes.io/enforce"
POD_SECURITY_ENFORCE_VERSION: Final = "pod-security.kubernetes.io/enforce-version"
POD_SECURITY_WARN: Final = "pod-security.kubernetes.io/warn"
POD_SECURITY_AUDIT: Final = "pod-security.kubernetes.io/audit"


def pod_security(level: str) -> dict[str, str]:
    """A namespace's labels enforcing `level`, warning and auditing what "restricted" would
    refuse (so the step up shows before it is taken)."""
    return {
        POD_SECURITY_ENFORCE: level,
        POD_SECURITY_ENFORCE_VERSION: "latest",
        POD_SECURITY_WARN: "restricted",
        POD_SECURITY_AUDIT: "restricted",
    }
