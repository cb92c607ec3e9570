"""`/livez`, `/readyz` and `/metrics`, outside `/v1`.

`/readyz` runs every check concurrently with a per-check timeout. The checks that gate
readiness (the database, the supervised workers, and any the service adds) answer 503 naming
the failing ones. The reported ones (the broker) do not: a service whose events wait in its
outbox serves through a broker outage, so the answer is 200 with `"status": "degraded"`, the
failing check named, and `flotilla_dependency_up{dependency}` at 0 (readiness that failed on
the broker would take every replica out of its Service at once for an outage the outbox is
built to hold). Anyone (a kubelet) learns which check fails; why — an error that names hosts,
sockets and internals — is told only to a caller with a viewer or service token, and logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from flotilla_runtime.auth import reader_or_none
from flotilla_runtime.metrics import DEPENDENCY_UP

log = structlog.get_logger(__name__)
ReadinessCheck = Callable[[], Awaitable[None]]
"""Returns when healthy; raises with a readable message when not."""

CHECK_TIMEOUT_S = 2.0

router = APIRouter(tags=["health"])


async def run_checks(checks: Mapping[str, ReadinessCheck]) -> dict[str, str]:
    async def one(check: ReadinessCheck) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await check()
            return "ok"
        except TimeoutError:
            return f"timed out after {CHECK_TIMEOUT_S:g} s"
        except Exception as exc:
            return str(exc) or type(exc).__name__

    names = list(checks)
    results = await asyncio.gather(*(one(checks[n]) for n in names))
    return dict(zip(names, results, strict=True))


@router.get("/livez", operation_id="livez", summary="The process is alive")
async def livez() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="The service can serve: its database and workers are healthy (the broker is "
    "reported, not required)",
    responses={503: {"description": "Not ready; `checks` names what failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    gating: Mapping[str, ReadinessCheck] = request.state.readiness
    reported: Mapping[str, ReadinessCheck] = getattr(request.state, "reported", {})
    results = await run_checks({**gating, **reported})
    for name, result in results.items():
        DEPENDENCY_UP.labels(name).set(1 if result == "ok" else 0)
    ready = all(results[name] == "ok" for name in gating)
    failing = {k: v for k, v in results.items() if v != "ok"}
    status = "unavailable" if not ready else "degraded" if failing else "ok"
    if failing:
        log.warning("not_ready" if not ready else "degraded", checks=failing)
        authorization = request.headers.get("authorization", "")
        authenticator = getattr(request.state, "authenticator", None)
        if await reader_or_none(authenticator, authorization) is None:
            results = {k: "ok" if v == "ok" else "failing" for k, v in results.items()}
    return JSONResponse({"status": status, "checks": results}, status_code=200 if ready else 503)


@router.get(
    "/metrics", operation_id="metrics", summary="Prometheus metrics", response_class=Response
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
