"""k8s-sync's domain errors, answered as problem+json (flotilla_runtime.errors)."""

from __future__ import annotations

from flotilla_contracts import problems
from flotilla_runtime.errors import FlotillaError


class WaitTimedOut(FlotillaError):
    status = 504
    type_ = "sync-wait-timeout"
    title = "The ingress did not reach the wanted state in time"


class RouteNotRendered(FlotillaError):
    status = 409
    type_ = problems.ROUTE_NOT_RENDERED
    title = "The ingress cannot route this app and environment"
