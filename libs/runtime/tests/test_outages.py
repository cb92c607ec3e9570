"""Outages of a dependency, as flotilla_runtime.transient classifies them: a request meets a
503 with Retry-After (not a 500), a consumer waits and never dead-letters a valid event. The
database is a PostgreSQL of these tests alone, stopped and started again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import asyncpg
import httpx
import pytest
from aiokafka import errors as kafka_errors
from asgi_lifespan import LifespanManager
from fastapi import APIRouter
from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from flotilla_contracts import CloudEvent
from flotilla_devstack.postgres import PostgresServer
from flotilla_devstack.pytest_plugin import engine_for, fresh_database
from flotilla_runtime.app import ServiceSpec, create_service_app
from flotilla_runtime.consumer import EventConsumer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import Conflict, DependencyUnavailable
from flotilla_runtime.registry import RegistryUnavailable
from flotilla_runtime.settings import FullServiceSettings, KafkaSettings
from flotilla_runtime.transient import Dependency, outage

from .conftest import MakeDatabase, create_runtime_tables
from .kafka_helpers import probe_model
from .test_consumer import produce

OUTAGE_S = 4.0


def _dbapi(orig: BaseException) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", None, orig)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (asyncpg.CannotConnectNowError("starting up"), Dependency.DATABASE),
        (asyncpg.AdminShutdownError("terminating connection"), Dependency.DATABASE),
        (asyncpg.ConnectionDoesNotExistError("closed"), Dependency.DATABASE),
        (asyncpg.TooManyConnectionsError("too many"), Dependency.DATABASE),
        (asyncpg.InternalClientError("cannot switch to state 12"), Dependency.DATABASE),
        (_dbapi(asyncpg.AdminShutdownError("terminating")), Dependency.DATABASE),
        (_dbapi(asyncpg.SerializationError("retry")), Dependency.DATABASE),
        (sa_exc.TimeoutError("pool exhausted"), Dependency.DATABASE),
        (_dbapi(asyncpg.UniqueViolationError("duplicate key")), None),
        (sa_exc.IntegrityError("INSERT", None, asyncpg.UniqueViolationError("dup")), None),
        (_dbapi(asyncpg.UndefinedTableError("no table")), None),
        (kafka_errors.KafkaConnectionError(), Dependency.BROKER),
        (kafka_errors.NodeNotReadyError(), Dependency.BROKER),
        (kafka_errors.UnsupportedVersionError(), None),
        (httpx.ConnectError("refused"), Dependency.PEER),
        (httpx.ReadTimeout("slow"), Dependency.PEER),
        (RegistryUnavailable("registry down"), Dependency.PEER),
        (Conflict("a release is running"), None),
        (ApiException(status=503), Dependency.KUBERNETES),
        (ApiException(status=429), Dependency.KUBERNETES),
        (ApiException(status=0), Dependency.KUBERNETES),
        (ApiException(status=422), None),
        (ApiException(status=404), None),
        (aiohttp.ClientConnectionError("reset"), Dependency.KUBERNETES),
        (ConnectionRefusedError(111, "refused"), Dependency.PEER),
        (TimeoutError(), Dependency.PEER),
        (FileNotFoundError(2, "no such file"), None),
        (ValueError("a bug"), None),
        (KeyError("a bug"), None),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_outages_are_told_from_faults(exc: BaseException, expected: Dependency | None) -> None:
    assert outage(exc) == expected


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[PostgresServer]:
    """A PostgreSQL of this test alone: it will be stopped."""
    server = PostgresServer(tmp_path / "pg", durable=False)
    server.start()
    yield server
    server.stop()


async def _database(server: PostgresServer, name: str) -> AsyncEngine:
    engine = engine_for(await fresh_database(server.url(), name))
    await create_runtime_tables(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE handled (n bigserial PRIMARY KEY, event_id text)"))
    return engine


async def _stopped(server: PostgresServer) -> None:
    await asyncio.to_thread(server.stop)


async def _started(server: PostgresServer) -> None:
    await asyncio.to_thread(server.start)


router = APIRouter(tags=["things"])


@router.get("/things/count", operation_id="countThings")
async def count_things(session: SessionDep) -> dict[str, int]:
    return {"count": int(await session.scalar(text("SELECT count(*) FROM handled")) or 0)}


@pytest.fixture
async def service(
    own_postgres: PostgresServer, kafka_bootstrap: str
) -> AsyncIterator[httpx.AsyncClient]:
    engine = await _database(own_postgres, "outage_requests")
    url = engine.url.render_as_string(hide_password=False)
    await engine.dispose()
    settings = FullServiceSettings(
        service_name="test", database_url=url, kafka_bootstrap_servers=kafka_bootstrap
    )
    spec = ServiceSpec(name="test", title="T", version="1", description="d", routers=[router])
    app = create_service_app(spec, settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_a_request_during_a_database_outage_is_a_503_to_retry(
    service: httpx.AsyncClient, own_postgres: PostgresServer
) -> None:
    assert (await service.get("/v1/things/count")).json() == {"count": 0}
    await _stopped(own_postgres)
    for _ in range(3):  # a pooled connection that died, then no connection at all
        r = await service.get("/v1/things/count")
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "2"
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"].endswith("/" + DependencyUnavailable.type_)
        assert "retry" in r.json()["detail"]
    await _started(own_postgres)
    async with asyncio.timeout(30):
        while True:
            r = await service.get("/v1/things/count")
            if r.status_code == 200:
                break
            assert r.status_code == 503, r.text  # never a 500 on the way back
            await asyncio.sleep(0.2)
    assert r.json() == {"count": 0}


async def test_a_consumer_waits_out_a_database_outage_and_dead_letters_nothing(
    own_postgres: PostgresServer, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await _database(own_postgres, "outage_consumer")
    model = probe_model(topic)
    first = [CloudEvent.of(model(entity="a", seq=i), source="/t") for i in range(3)]
    during = [CloudEvent.of(model(entity="a", seq=i), source="/t") for i in range(3, 8)]

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        await session.execute(text("INSERT INTO handled (event_id) VALUES (:id)"), {"id": event.id})

    consumer = EventConsumer(
        name="outage",
        topics=[topic],
        group_id="g-outage",
        handler=handler,
        engine=engine,
        settings=kafka_settings,
        max_attempts=2,  # an outage counted as a failure would dead-letter at once
        max_backoff_s=0.5,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await produce(kafka_settings, topic, first)
        await _until_handled(engine, 3)
        await _stopped(own_postgres)
        await produce(kafka_settings, topic, during)
        await asyncio.sleep(OUTAGE_S)  # the consumer meets the outage on every retry
        assert not task.done()
        await _started(own_postgres)
        await _until_handled(engine, 8)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    ids, dead = await _handled_and_dead(engine)
    await engine.dispose()
    assert ids == [e.id for e in first + during]  # each once, in order
    assert dead == 0


async def _handled_and_dead(engine: AsyncEngine) -> tuple[list[str], int]:
    """The handled event ids in order, and how many records were dead-lettered."""
    async with engine.connect() as conn:
        ids = list((await conn.execute(text("SELECT event_id FROM handled ORDER BY n"))).scalars())
        dead = await conn.scalar(text("SELECT count(*) FROM flotilla_dead_letters"))
    return ids, int(dead or 0)


async def _until_handled(engine: AsyncEngine, rows: int, timeout_s: float = 30) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            try:
                async with engine.connect() as conn:
                    if (await conn.scalar(text("SELECT count(*) FROM handled")) or 0) >= rows:
                        return
            except Exception as exc:
                if outage(exc) is None:
                    raise
            await asyncio.sleep(0.2)


async def test_a_handler_that_meets_an_unavailable_service_is_retried_not_dead_lettered(
    make_database: MakeDatabase, kafka_settings: KafkaSettings, topic: str
) -> None:
    engine = await make_database("outage_peer")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE handled (n bigserial PRIMARY KEY, event_id text)"))
    model = probe_model(topic)
    events = [CloudEvent.of(model(entity="a", seq=i), source="/t") for i in range(3)]
    refusals = 6  # more than max_attempts: counted as failures, they would dead-letter

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        nonlocal refusals
        if refusals > 0:
            refusals -= 1
            raise RegistryUnavailable("cluster-registry did not answer")
        await session.execute(text("INSERT INTO handled (event_id) VALUES (:id)"), {"id": event.id})

    consumer = EventConsumer(
        name="outage-peer",
        topics=[topic],
        group_id="g-outage-peer",
        handler=handler,
        engine=engine,
        settings=kafka_settings,
        max_attempts=2,
        max_backoff_s=0.1,
    )
    await produce(kafka_settings, topic, events)
    task = asyncio.create_task(consumer.run())
    try:
        await _until_handled(engine, 3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    ids, dead = await _handled_and_dead(engine)
    assert ids == [e.id for e in events]
    assert dead == 0
