"""From EndpointSlices to the servers the ingress should have: pure functions, no I/O.

One HAProxy backend per (app, env), named `<app>.<env>`; each pod endpoint fills one of its
server slots (k8s_sync.sync.plan). An endpoint that is ready is served; one that is terminating
but still serving is drained (no new requests, in-flight ones finish); anything else is not
served. A Service
labelled `flotilla.io/weight` gives its pods that HAProxy weight (gray stages use it to set their
share of traffic beside stable); otherwise every server weighs 100.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from typing import Any

from flotilla_contracts import labels


@dataclass(frozen=True, slots=True)
class Endpoint:
    cluster: str
    namespace: str
    pod: str
    address: str
    port: int
    app: str
    env: str
    stage: str
    ready: bool
    serving: bool
    terminating: bool
    weight: int = labels.DEFAULT_WEIGHT
    # Derived once (they are read on every plan): `<app>.<env>`, and ready | drain | None.
    backend: str = field(init=False, compare=False)
    desired_state: str | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "backend", sys.intern(backend_name(self.app, self.env)))
        if self.ready and not self.terminating:
            state: str | None = "ready"
        elif self.terminating and self.serving:
            state = "drain"
        else:
            state = None  # not served
        object.__setattr__(self, "desired_state", state)

    def with_weight(self, weight: int) -> Endpoint:
        return self if weight == self.weight else dataclasses.replace(self, weight=weight)


def backend_name(app: str, env: str) -> str:
    return f"{app}.{env}"


def endpoints_of_slice(cluster: str, endpoint_slice: dict[str, Any]) -> list[Endpoint]:
    """The endpoints of one EndpointSlice of a Flotilla-managed Service (others: none)."""
    meta = endpoint_slice.get("metadata") or {}
    slice_labels = meta.get("labels") or {}
    app, env = slice_labels.get(labels.APP), slice_labels.get(labels.ENV)
    if not app or not env or endpoint_slice.get("addressType", "IPv4") != "IPv4":
        return []
    ports = [p for p in endpoint_slice.get("ports") or [] if p.get("port")]
    if not ports:
        return []
    port = int(ports[0]["port"])
    # Interned: thousands of endpoints share these few strings (memory per endpoint matters).
    app, env, cluster = sys.intern(app), sys.intern(env), sys.intern(cluster)
    namespace = sys.intern(meta.get("namespace", ""))
    stage = sys.intern(slice_labels.get(labels.STAGE, "stable"))
    weight = _weight(slice_labels.get(labels.WEIGHT))
    out = []
    for endpoint in endpoint_slice.get("endpoints") or []:
        target = endpoint.get("targetRef") or {}
        addresses = endpoint.get("addresses") or []
        if target.get("kind") != "Pod" or not addresses:
            continue
        conditions = endpoint.get("conditions") or {}
        ready = bool(conditions.get("ready"))
        out.append(
            Endpoint(
                cluster=cluster,
                namespace=namespace,
                pod=target["name"],
                address=addresses[0],
                port=port,
                app=app,
                env=env,
                stage=stage,
                ready=ready,
                serving=bool(conditions.get("serving", ready)),
                terminating=bool(conditions.get("terminating", False)),
                weight=weight,
            )
        )
    return out


def _weight(value: str | None) -> int:
    """The Service's `flotilla.io/weight` label, clamped to HAProxy's 0-256; default if unset
    or not a number (a bad label must not take pods out of the ingress)."""
    try:
        return max(0, min(256, int(value))) if value is not None else labels.DEFAULT_WEIGHT
    except ValueError:
        return labels.DEFAULT_WEIGHT
