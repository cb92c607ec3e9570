"""The shared service shape: health, readiness, metrics, request ids, crash handling."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from flotilla_contracts.enums import Role
from flotilla_devstack.procs import free_port
from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.auth import mint_token
from flotilla_runtime.db import SessionDep
from flotilla_runtime.settings import AuthSettings, FullServiceSettings

VIEWER = {"Authorization": "Bearer " + mint_token(AuthSettings(), subject="v", roles=[Role.VIEWER])}

router = APIRouter(tags=["things"])


@router.get("/things/{thing_id}", operation_id="getThing")
async def get_thing(thing_id: int) -> dict[str, int]:
    return {"id": thing_id}


@router.post("/things/deferred-clash", operation_id="clashAtCommit")
async def clash_at_commit(session: SessionDep) -> dict[str, bool]:
    """Two rows a deferred unique constraint refuses only when the transaction commits."""
    await session.execute(
        text(
            "CREATE TEMP TABLE clash (id int, CONSTRAINT one UNIQUE (id) DEFERRABLE "
            "INITIALLY DEFERRED) ON COMMIT DROP"
        )
    )
    await session.execute(text("INSERT INTO clash VALUES (1), (1)"))
    return {"written": True}


class Crashes:
    name = "crasher"

    async def run(self) -> None:
        await asyncio.sleep(0.1)
        raise RuntimeError("worker blew up")


def settings_for(engine: AsyncEngine, kafka_bootstrap: str) -> FullServiceSettings:
    url = engine.url.render_as_string(hide_password=False)
    return FullServiceSettings(
        service_name="test", database_url=url, kafka_bootstrap_servers=kafka_bootstrap
    )


@pytest.fixture
async def client(db_engine: AsyncEngine, kafka_bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
    spec = ServiceSpec(name="test", title="T", version="1", description="d", routers=[router])
    app = create_service_app(spec, settings_for(db_engine, kafka_bootstrap))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def test_a_write_is_committed_before_the_answer(
    db_engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    """A commit that fails is the caller's 500 (as uvicorn sends it), never a success already
    sent: the request's session ends before the response."""
    spec = ServiceSpec(name="test", title="T", version="1", description="d", routers=[router])
    app = create_service_app(spec, settings_for(db_engine, kafka_bootstrap))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/v1/things/deferred-clash")
    assert r.status_code == 500, r.text
    assert r.json()["type"].endswith("/internal")


async def test_livez_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/livez")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "workers": "ok", "draining": "ok"},
    }


async def test_routes_live_under_v1_and_metrics_count_them_by_template(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/v1/things/7")).json() == {"id": 7}
    assert (await client.get("/v1/things/8")).json() == {"id": 8}
    text = (await client.get("/metrics")).text
    line = next(
        ln
        for ln in text.splitlines()
        if ln.startswith("flotilla_http_requests_total{")
        and 'route="/v1/things/{thing_id}"' in ln
        and 'service="test"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) >= 2
    assert "flotilla_http_request_duration_seconds_bucket" in text


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    r = await client.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    made = (await client.get("/livez")).headers["x-request-id"]
    assert len(made) == 32


async def test_a_broker_outage_is_reported_not_unready(db_engine: AsyncEngine) -> None:
    """The outbox holds events through a broker outage: the service stays ready (200,
    "degraded"), names the broker, and its gauge says 0."""
    spec = ServiceSpec(name="test", title="T", version="1", description="d")
    app = create_service_app(spec, settings_for(db_engine, f"127.0.0.1:{free_port()}"))
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://t"
        ) as c:
            anonymous = await c.get("/readyz")
            r = await c.get("/readyz", headers=VIEWER)
    assert anonymous.status_code == 200
    assert anonymous.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "broker": "failing", "workers": "ok", "draining": "ok"},
    }
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "degraded"
    assert REGISTRY.get_sample_value("flotilla_dependency_up", {"dependency": "broker"}) == 0
    assert body["checks"]["database"] == "ok"
    assert (
        "Connect call failed" in body["checks"]["broker"]
        or "refused" in body["checks"]["broker"].lower()
    )


async def test_service_state_may_not_shadow_the_runtimes(
    db_engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    """k8s-sync once put its sync engine under "engine", hiding the database engine."""
    spec = ServiceSpec(
        name="test", title="T", version="1", description="d", state=lambda _: {"engine": 1}
    )
    app = create_service_app(spec, settings_for(db_engine, kafka_bootstrap))
    with pytest.raises(
        RuntimeError, match=r"request state keys taken by the runtime: \['engine'\]"
    ):
        async with LifespanManager(app):
            pass


async def test_a_crashed_worker_turns_readyz_red(
    db_engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    crashes: list[str] = []
    spec = ServiceSpec(
        name="test",
        title="T",
        version="1",
        description="d",
        workers=lambda _resources: [Crashes()],
        on_crash=lambda name, exc: crashes.append(name),
    )
    app = create_service_app(spec, settings_for(db_engine, kafka_bootstrap))
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://t"
        ) as c:
            await asyncio.sleep(0.3)
            r = await c.get("/readyz", headers=VIEWER)
    assert crashes == ["crasher"]
    assert r.status_code == 503
    assert r.json()["checks"]["workers"] == "crashed workers: crasher"


def test_a_crashed_worker_stops_the_uvicorn_process(
    db_engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    """uvicorn would keep serving after a background task dies; the supervisor stops it."""
    port = free_port()
    script = textwrap.dedent(f"""
        import asyncio, uvicorn
        from flotilla_runtime.app import ServiceSpec, create_service_app
        from flotilla_runtime.logging import configure_logging
        from flotilla_runtime.settings import FullServiceSettings

        class Crashes:
            name = "crasher"
            async def run(self):
                await asyncio.sleep(1.0)
                raise RuntimeError("worker blew up")

        configure_logging(fmt="json")
        spec = ServiceSpec(name="t", title="T", version="1", description="d",
                           workers=lambda _: [Crashes()])
        settings = FullServiceSettings(service_name="t", port={port},
            database_url={settings_for(db_engine, kafka_bootstrap).database_url!r},
            kafka_bootstrap_servers={kafka_bootstrap!r})
        uvicorn.run(create_service_app(spec, settings), host="127.0.0.1", port={port},
                    log_config=None)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert '"event": "worker_crashed"' in proc.stderr
    assert "worker blew up" in proc.stderr
    assert '"event": "service_stopped"' in proc.stderr  # it went down through the lifespan


class UsesResources:
    name = "uses-resources"

    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    async def run(self) -> None:
        await asyncio.Event().wait()


async def test_worker_factories_receive_the_built_resources(
    db_engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    built: list[UsesResources] = []

    def factory(resources: Resources) -> list[UsesResources]:
        built.append(UsesResources(resources))
        return built

    spec = ServiceSpec(name="test", title="T", version="1", description="d", workers=factory)
    app = create_service_app(spec, settings_for(db_engine, kafka_bootstrap))
    async with LifespanManager(app):
        pass
    assert built[0].resources.settings.service_name == "test"
    assert built[0].resources.engine is not None
