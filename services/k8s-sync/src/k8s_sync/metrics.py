"""Prometheus metrics of the sync engine and its ingress instances (served on /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PROPAGATION = Histogram(
    "flotilla_sync_propagation_seconds",
    "From an EndpointSlice change seen by the informer to an ingress applied and read back.",
    ["cluster"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SLICE_EVENTS = Counter(
    "flotilla_sync_slice_events_total",
    "EndpointSlice events received (relists count one per object listed).",
    ["cluster"],
)
SERVERS = Gauge(
    "flotilla_sync_servers",
    "Servers of a backend read back from an ingress instance, by state.",
    ["ingress", "backend", "state"],
)
APPLIED = Counter(
    "flotilla_sync_applied_batches_total", "Batches applied to HAProxy.", ["ingress", "backend"]
)
FAILED = Counter(
    "flotilla_sync_failed_applies_total",
    "Applies that HAProxy refused or did not keep, per cluster of the backend.",
    ["ingress", "cluster"],
)
UP = Gauge("flotilla_ingress_up", "1 while the instance's runtime API answers.", ["ingress"])
GENERATION = Gauge(
    "flotilla_ingress_config_generation", "Configuration generation the instance runs.", ["ingress"]
)
RELOADS = Counter(
    "flotilla_ingress_reloads_total",
    "Reloads asked of the instance, by outcome (ok, invalid: refused by haproxy -c, failed).",
    ["ingress", "outcome"],
)
RELOAD_SECONDS = Histogram(
    "flotilla_ingress_reload_seconds",
    "Render, check, save state, reload, until the new worker answers.",
    ["ingress"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
)
RENDER_SECONDS = Histogram(
    "flotilla_ingress_render_seconds",
    "Rendering one configuration (text only).",
    ["ingress"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0),
)
BACKENDS = Gauge("flotilla_ingress_backends", "Backends in the running configuration.", ["ingress"])
SLOTS = Gauge(
    "flotilla_ingress_slots", "Server slots of the running configuration.", ["ingress", "state"]
)
ROUTE_ERRORS = Gauge(
    "flotilla_ingress_route_errors",
    "Backends with something in their route refused (bad hostname, clash, bad name).",
)
