"""`/livez`, `/readyz` and `/metrics`, outside `/v1`.

`/readyz` runs every readiness check concurrently (database, broker, supervised workers, and any
the service adds) with a per-check timeout and answers 503 naming the failing ones. Anyone (a
kubelet) learns which check fails; why — an error that names hosts, sockets and internals — is
told only to a caller with a viewer or service token, and logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from flotilla_runtime.auth import reader_or_none

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
    summary="The service can serve: database, broker and workers are healthy",
    responses={503: {"description": "Not ready; `checks` names what failed"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks: Mapping[str, ReadinessCheck] = request.state.readiness
    results = await run_checks(checks)
    ready = all(v == "ok" for v in results.values())
    if not ready:
        failing = {k: v for k, v in results.items() if v != "ok"}
        log.warning("not_ready", checks=failing)
        authorization = request.headers.get("authorization", "")
        authenticator = getattr(request.state, "authenticator", None)
        if await reader_or_none(authenticator, authorization) is None:
            results = {k: "ok" if v == "ok" else "failing" for k, v in results.items()}
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status_code=200 if ready else 503,
    )


@router.get(
    "/metrics", operation_id="metrics", summary="Prometheus metrics", response_class=Response
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
