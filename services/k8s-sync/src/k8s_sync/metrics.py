"""Prometheus metrics of the sync engine (served on /metrics with the runtime's own)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PROPAGATION = Histogram(
    "flotilla_sync_propagation_seconds",
    "From an EndpointSlice change seen by the informer to HAProxy applied and read back.",
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
    "Servers of a backend read back from HAProxy, by state.",
    ["backend", "state"],
)
APPLIED = Counter("flotilla_sync_applied_batches_total", "Batches applied to HAProxy.", ["backend"])
FAILED = Counter(
    "flotilla_sync_failed_applies_total",
    "Applies that HAProxy refused or that could not reach it, per cluster of the backend.",
    ["cluster"],
)
