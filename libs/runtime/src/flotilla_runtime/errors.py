"""Domain errors and the one handler that renders every error as RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from flotilla_contracts import problems

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = problems.BASE

log = structlog.get_logger(__name__)


class FlotillaError(Exception):
    """Base of every domain error. Subclasses set `status`, `type_` and `title`.

    `type_` is a stable slug: clients branch on it, so it never changes once published.
    """

    status: ClassVar[int] = 500
    type_: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extensions = extensions

    def headers(self) -> Mapping[str, str]:
        return {}


class BadRequest(FlotillaError):
    status = 400
    type_ = "bad-request"
    title = "Bad request"


class Unauthenticated(FlotillaError):
    status = 401
    type_ = "unauthenticated"
    title = "Authentication required"

    def headers(self) -> Mapping[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="flotilla"'}


class Forbidden(FlotillaError):
    status = 403
    type_ = "forbidden"
    title = "Not allowed"


class NotFound(FlotillaError):
    status = 404
    type_ = "not-found"
    title = "Not found"


class Conflict(FlotillaError):
    status = 409
    type_ = "conflict"
    title = "Conflict"


class PreconditionFailed(FlotillaError):
    status = 412
    type_ = "precondition-failed"
    title = "Precondition failed"


class Unprocessable(FlotillaError):
    status = 422
    type_ = "unprocessable"
    title = "Request cannot be processed"


class TooManyRequests(FlotillaError):
    """The caller holds as many of a bounded resource as it may; try again later."""

    status = 429
    type_ = "too-many-requests"
    title = "Too many requests"
    retry_after_s = 1

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class DependencyFailed(FlotillaError):
    status = 502
    type_ = "dependency-failed"
    title = "A dependency failed"


class Unavailable(FlotillaError):
    status = 503
    type_ = "unavailable"
    title = "Service unavailable"


class DependencyUnavailable(Unavailable):
    """A request met an outage of one of the service's dependencies: nothing was changed (its
    transaction rolled back); retry after the `Retry-After` seconds."""

    type_ = "dependency-unavailable"
    title = "A dependency of this service is unavailable"

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": "2"}


def problem(
    status: int,
    type_: str,
    title: str,
    *,
    detail: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_ if type_.startswith(("http:", "https:", "about:")) else PROBLEM_BASE + type_,
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """FastAPI's validation errors as `{"loc": "body.spec.replicas", "msg": ..., "type": ...}`."""
    out = []
    for err in errors:
        loc = ".".join(str(part) for part in err.get("loc", ()))
        out.append({"loc": loc, "msg": err.get("msg", ""), "type": err.get("type", "")})
    return out


def install_problem_handlers(
    app: FastAPI,
    *,
    outage: Callable[[BaseException], Any] = lambda _: None,
    outage_types: Sequence[type[Exception]] = (),
) -> None:
    """Render domain errors, validation errors, HTTP errors and crashes as problem+json. An
    unhandled exception that `outage` names a dependency for (flotilla_runtime.transient) is a
    503 `dependency-unavailable` with Retry-After; any other is a 500. `outage_types` are the
    exception classes an outage may come as: they get their own handler, since Starlette
    re-raises what reaches the catch-all one (uvicorn would log every outage as a crash)."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FlotillaError)
        if exc.status >= 500:
            log.warning("request_failed", error_type=exc.type_, detail=exc.detail)
        return problem(
            exc.status,
            exc.type_,
            exc.title,
            detail=exc.detail,
            instance=request.url.path,
            headers=exc.headers(),
            **exc.extensions,
        )

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = _field_errors(exc.errors())
        where = ", ".join(e["loc"] for e in errors[:5])
        return problem(
            422,
            "validation-error",
            "Request failed validation",
            detail=f"invalid: {where}" if where else None,
            instance=request.url.path,
            errors=errors,
        )

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        slug = title.lower().replace(" ", "-")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        headers = dict(exc.headers or {})
        allowed = getattr(request.app.state, "allowed_methods", None)
        if exc.status_code == 405 and allowed is not None:
            # Starlette names the methods of the first route that matched the path only; a
            # resource's methods are spread over several routes (one per operation).
            headers["Allow"] = ", ".join(allowed(request.url.path))
        return problem(
            exc.status_code,
            slug,
            title,
            detail=detail,
            instance=request.url.path,
            headers=headers,
        )

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        away = outage(exc)
        if away is not None:
            # An outage, not a bug: the request's transaction rolled back; say when to retry.
            log.warning("request_dependency_unavailable", dependency=away, error=repr(exc))
            said = getattr(away, "described", f"{away} is unavailable")
            unavailable = DependencyUnavailable(f"{said}; nothing was changed, retry shortly")
            return await on_domain_error(request, unavailable)
        log.exception("request_crashed", path=request.url.path)
        return problem(500, "internal", "Internal error", instance=request.url.path)

    app.add_exception_handler(FlotillaError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for kind in outage_types:
        app.add_exception_handler(kind, on_crash)
    app.add_exception_handler(Exception, on_crash)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "description": HTTPStatus(code).phrase,
        "content": {
            PROBLEM_JSON: {
                "schema": {
                    "type": "object",
                    "required": ["type", "title", "status"],
                    "properties": {
                        "type": {"type": "string", "format": "uri"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "instance": {"type": "string"},
                    },
                }
            }
        },
    }
    for code in (400, 401, 403, 404, 409, 422, 500, 503)
}
"""OpenAPI `responses=` entry documenting problem+json for the common error codes."""


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


HEADERS: dict[str, dict[str, Any]] = {
    "Location": _header("the path of the resource the request created or started"),
    "ETag": _header("the resource's version: send it back in If-Match to change it"),
    "Retry-After": _header("seconds to wait before trying again"),
    "WWW-Authenticate": _header('`Bearer realm="flotilla"`: send a valid bearer token'),
}
PROBLEM_RESPONSES[401]["headers"] = {"WWW-Authenticate": HEADERS["WWW-Authenticate"]}
PROBLEM_RESPONSES[503]["headers"] = {"Retry-After": HEADERS["Retry-After"]}


def answered_with(status: int, *headers: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's success answer that carries `headers` (from HEADERS), so
    its OpenAPI entry declares them."""
    return {status: {"headers": {name: HEADERS[name] for name in headers}}}


class BodyLimitMiddleware:
    """413 problem for a request body over `max_bytes`, declared or streamed, before parsing."""

    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await self._reject(scope, receive, send)
                return
        seen = 0

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Any, receive: Any, send: Any) -> None:
        response = problem(
            413,
            "payload-too-large",
            "Request body too large",
            detail=f"the limit is {self.max_bytes} bytes",
            instance=scope.get("path"),
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
