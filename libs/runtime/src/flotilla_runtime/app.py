"""The shape every Flotilla service shares: `create_service_app()` and its lifespan.

The lifespan builds the clients once (database engine, authenticator, outbox relay and the
service's own workers under one supervisor) and yields them as request state, so endpoints and
dependencies read them from `request.state`, never from module globals. Nothing connects at
import time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.routing import compile_path
from starlette.types import ASGIApp

from flotilla_runtime import db, health
from flotilla_runtime.auth import Authenticator, access_of
from flotilla_runtime.errors import (
    PROBLEM_RESPONSES,
    BodyLimitMiddleware,
    install_problem_handlers,
)
from flotilla_runtime.examples import add_response_examples
from flotilla_runtime.health import ReadinessCheck
from flotilla_runtime.kafka import BrokerProbe
from flotilla_runtime.logging import RequestIdMiddleware
from flotilla_runtime.metrics import MetricsMiddleware
from flotilla_runtime.outbox import OutboxRelay
from flotilla_runtime.settings import FullServiceSettings
from flotilla_runtime.shutdown import Draining
from flotilla_runtime.supervisor import Supervisor, Worker, stop_process
from flotilla_runtime.transient import OUTAGE_TYPES, outage

log = structlog.get_logger(__name__)


@dataclass
class Resources:
    """What the lifespan built; service worker factories receive it."""

    settings: FullServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    authenticator: Authenticator
    draining: Draining = field(default_factory=Draining)
    """Set when the process was asked to stop (flotilla_runtime.shutdown)."""
    readiness: dict[str, ReadinessCheck] = field(default_factory=dict)
    """Checks that gate readiness: failing, the service cannot serve (503)."""
    reported: dict[str, ReadinessCheck] = field(default_factory=dict)
    """Checks `/readyz` reports without failing on: the service serves through their outage
    (the broker: every write's event waits in the outbox and is published when it returns)."""
    service: Any = None
    """The service's own state, typed by the service (a dataclass of what its worker factory
    built and its request state shares): set by `ServiceSpec.workers`, read by `.state`."""


WorkerFactory = Callable[[Resources], Sequence[Worker]]


@dataclass(frozen=True)
class ServiceSpec:
    """What makes one service different from the others."""

    name: str
    title: str
    version: str
    description: str
    routers: Sequence[APIRouter] = ()
    openapi_tags: Sequence[dict[str, Any]] = ()
    workers: WorkerFactory = lambda _: ()
    state: Callable[[Resources], Mapping[str, Any]] = lambda _: {}
    """Extra request state the service's dependencies read (e.g. a cipher, a client)."""
    on_crash: Callable[[str, BaseException], None] = stop_process
    middleware: Sequence[Callable[[ASGIApp], ASGIApp]] = ()
    """The service's own ASGI middleware, innermost (inside request ids, metrics, body limit);
    each is constructed with the app and reads the lifespan state from `scope["state"]`."""


def create_service_app(spec: ServiceSpec, settings: FullServiceSettings) -> FastAPI:
    draining = Draining()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        settings.check_production()  # development values only in development mode
        engine = db.create_engine(settings)
        draining.bind(asyncio.get_running_loop())
        resources = Resources(
            settings=settings,
            engine=engine,
            sessionmaker=db.create_sessionmaker(
                engine, info={"cdevents_topic": settings.cdevents_topic}
            ),
            authenticator=Authenticator(settings),
            draining=draining,
        )
        relay = OutboxRelay(engine, settings, client_id=f"{spec.name}-outbox")
        supervisor = Supervisor(
            [relay, *spec.workers(resources)],
            on_crash=spec.on_crash,
            shutdown_timeout_s=settings.shutdown_timeout_s,
        )

        async def workers_healthy() -> None:
            if not supervisor.healthy:
                raise RuntimeError(f"crashed workers: {', '.join(sorted(supervisor.crashed))}")

        async def database() -> None:
            await db.ping(engine)

        resources.readiness = {
            "database": database,
            "workers": workers_healthy,
            "draining": draining.check,
            **resources.readiness,
        }
        resources.reported = {"broker": BrokerProbe(settings), **resources.reported}
        await supervisor.start()
        log.info("service_started", service=spec.name, port=settings.port)
        state: dict[str, Any] = {
            "settings": settings,
            "engine": engine,
            "sessionmaker": resources.sessionmaker,
            "authenticator": resources.authenticator,
            "supervisor": supervisor,
            "readiness": resources.readiness,
            "reported": resources.reported,
            "draining": draining,
        }
        extra = spec.state(resources)
        if shadowed := sorted(set(extra) & set(state)):
            await supervisor.stop()
            await engine.dispose()
            raise RuntimeError(f"{spec.name}: request state keys taken by the runtime: {shadowed}")
        state.update(extra)
        try:
            yield state
        finally:
            await supervisor.stop()
            await engine.dispose()
            log.info("service_stopped", service=spec.name)

    app = FastAPI(
        title=spec.title,
        version=spec.version,
        description=spec.description,
        openapi_tags=[*spec.openapi_tags, {"name": "health", "description": "Probes and metrics"}],
        lifespan=lifespan,
    )
    app.state.draining = draining  # the console script's server starts it on SIGTERM
    install_problem_handlers(app, outage=outage, outage_types=OUTAGE_TYPES)
    for middleware in spec.middleware:
        app.add_middleware(middleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, service=spec.name)
    app.add_middleware(RequestIdMiddleware)
    if settings.cors_origins:  # outermost: a preflight is answered before anything else runs
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "Idempotency-Key",
                "Last-Event-ID",
            ],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-Id"],
            max_age=600,
        )
    app.include_router(health.router)
    for router in spec.routers:
        app.include_router(router, prefix="/v1")
    routers = [("", health.router), *(("/v1", r) for r in spec.routers)]
    document_access(app, routers)
    app.state.allowed_methods = AllowedMethods(routers)
    return app


def _requirements(dependant: Dependant) -> list[str]:
    found = []
    for dependency in dependant.dependencies:
        access = access_of(dependency.call)
        if access is not None:
            found.append(access)
        found += _requirements(dependency)
    return found


def document_access(app: FastAPI, routers: Sequence[tuple[str, APIRouter]]) -> None:
    """Each operation's OpenAPI entry says who may call it: `x-flotilla-access` and a line of
    its description, from the role/service dependencies it actually runs (so it cannot drift
    from the code). Team rules (a developer acts on their team's apps) are in the endpoint's
    own description."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        routes = [(prefix, r) for prefix, router in routers for r in router.routes]
        for prefix, route in routes:
            if not isinstance(route, APIRoute):
                continue
            needs = _requirements(route.dependant)
            path = schema["paths"].get(prefix + route.path_format, {})
            for method in route.methods or ():
                operation = path.get(method.lower())
                if operation is None:
                    continue
                access = "; ".join(dict.fromkeys(needs)) if needs else "anyone (no token)"
                operation["x-flotilla-access"] = access
                headers = {
                    str(p.get("name", "")).lower()
                    for p in operation.get("parameters", [])
                    if p.get("in") == "header"
                }
                if "if-match" in headers:
                    operation["responses"].setdefault(
                        "412", _problem_response("The resource changed since it was read")
                    )
                described = operation.get("description", "")
                operation["description"] = f"**Access:** {access}.\n\n{described}".strip()
                add_response_examples(operation, route)
        _close_keyed_maps(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _close_keyed_maps(node: Any) -> None:
    """Pydantic documents a dict whose keys have a pattern (`dict[Name, ...]`) as
    `patternProperties`, which in JSON Schema leaves every other key allowed with any value;
    the services refuse such keys (422). Say what they do: `propertyNames` with the pattern,
    and the value schema for every key (`additionalProperties`)."""
    if isinstance(node, list):
        for item in node:
            _close_keyed_maps(item)
        return
    if not isinstance(node, dict):
        return
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        ((pattern, value),) = patterns.items()
        del node["patternProperties"]
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
        node["additionalProperties"] = value
    for child in node.values():
        _close_keyed_maps(child)


class AllowedMethods:
    """The methods a path's resource supports, over all its operations (for 405's Allow)."""

    def __init__(self, routers: Sequence[tuple[str, APIRouter]]) -> None:
        self._paths = [
            (compile_path(prefix + route.path)[0], route.methods or set())
            for prefix, router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        ]

    def __call__(self, path: str) -> list[str]:
        methods: set[str] = set()
        for regex, route_methods in self._paths:
            if regex.match(path):
                methods |= route_methods
        return sorted(methods)


def _problem_response(description: str) -> dict[str, Any]:
    return {**PROBLEM_RESPONSES[400], "description": description}
