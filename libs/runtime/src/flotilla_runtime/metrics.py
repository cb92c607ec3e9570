"""Prometheus metrics of HTTP requests per route and of the runtime's workers."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "flotilla_http_requests_total",
    "HTTP requests by route template, method and status.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "flotilla_http_request_duration_seconds",
    "HTTP request latency by route template and method.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OUTBOX_PUBLISHED = Counter(
    "flotilla_outbox_published_total", "Outbox events acknowledged by the broker."
)
OUTBOX_PENDING = Gauge("flotilla_outbox_pending", "Outbox events not yet published.")
CONSUMED_EVENTS = Counter(
    "flotilla_consumer_events_total",
    "Events handled by a consumer, by outcome (processed, duplicate, dead_letter).",
    ["consumer", "outcome"],
)
LEADER = Gauge("flotilla_leader", "1 while this replica holds the leader lock.", ["lock"])
WORKER_UP = Gauge("flotilla_worker_up", "1 while a supervised worker runs.", ["worker"])
DEPENDENCY_UP = Gauge(
    "flotilla_dependency_up",
    "1 when the readiness check of a dependency (database, broker, ...) passed at /readyz.",
    ["dependency"],
)


class MetricsMiddleware:
    """Counts requests and times them, labelled by the route *template* (bounded cardinality)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            method = scope["method"]
            route = route_template(scope)
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, route).observe(time.perf_counter() - start)


def route_template(scope: Scope) -> str:
    """`/v1/apps/{app}` for `/v1/apps/checkout`: the matched path with its parameters named.

    Built from the path and the matched `path_params` (not from router internals, which differ
    between FastAPI versions for included routers); requests that matched no route share one
    label, and a middleware that answers before routing names its own (`scope["route"]` a
    string), so metric cardinality stays bounded.
    """
    if "route" not in scope:
        return "unmatched"
    if isinstance(scope["route"], str):
        return scope["route"]  # answered before routing, under a label of its own
    by_value = {str(v): k for k, v in scope.get("path_params", {}).items()}
    segments = str(scope.get("path", "")).split("/")
    return "/".join("{" + by_value[s] + "}" if s in by_value else s for s in segments)
