"""pytest fixtures for real components, loaded by every test session (entry point `pytest11`).

Session fixtures start PostgreSQL and Apache Kafka on free loopback ports (or reuse servers named
by FLOTILLA_TEST_POSTGRES_URL / FLOTILLA_TEST_KAFKA_BOOTSTRAP). A component that cannot start is
an error, never a skip. `db_session` runs a test inside a transaction that is rolled back, and
every test fails if it leaves asyncio tasks running.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from flotilla_contracts import topics
from flotilla_devstack.databases import create_database
from flotilla_devstack.kafka import KafkaBroker, apache_kafka_available
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.postgres import Binaries, PostgresServer
from flotilla_devstack.prometheus import PrometheusProcess
from flotilla_devstack.stack import find_root
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.settings import KafkaSettings


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "leaks_tasks_ok: the test may leave asyncio tasks (they are cancelled)"
    )


@pytest.fixture(scope="session")
def flotilla_cache_dir(pytestconfig: pytest.Config) -> Path:
    """Downloads kept between runs (the Kafka jars): <repo>/.flotilla/cache."""
    path = find_root(Path(pytestconfig.rootpath)) / ".flotilla" / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


KUBESIM_CLUSTERS = ("idc-a", "idc-b", "chaos")


@pytest.fixture(scope="session")
def kubesim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubesimProcess]:
    """kubesim with three clusters: idc-a and idc-b for behaviour, chaos for failure knobs."""
    process = KubesimProcess(tmp_path_factory.mktemp("kubesim"), clusters=KUBESIM_CLUSTERS)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def prometheus(
    tmp_path_factory: pytest.TempPathFactory, kubesim: KubesimProcess
) -> Iterator[PrometheusProcess]:
    """Prometheus scraping the session's kubesim clusters every second."""
    process = PrometheusProcess(tmp_path_factory.mktemp("prometheus"), kubesim.clusters)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer | None]:
    """A private PostgreSQL (machine binaries, else embedded), or None when reusing a URL."""
    if os.environ.get("FLOTILLA_TEST_POSTGRES_URL"):
        yield None
        return
    binaries = cast(Binaries, os.environ.get("FLOTILLA_TEST_POSTGRES", "auto"))
    server = PostgresServer(tmp_path_factory.mktemp("pg"), binaries=binaries, durable=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer | None) -> str:
    """Admin URL (database `postgres`) of the test server."""
    if postgres_server is None:
        return os.environ["FLOTILLA_TEST_POSTGRES_URL"]
    return postgres_server.url()


@pytest.fixture(scope="session")
def kafka_broker(
    tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path
) -> Iterator[KafkaBroker | None]:
    """A real Apache Kafka broker for the session, or None when reusing one."""
    if os.environ.get("FLOTILLA_TEST_KAFKA_BOOTSTRAP"):
        yield None
        return
    if not apache_kafka_available():
        pytest.fail("Apache Kafka needs a JDK 17+ and Maven on PATH; none found", pytrace=False)
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"), cache_dir=flotilla_cache_dir)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: KafkaBroker | None) -> str:
    """The broker's address, with Flotilla's topics created (as the local stack and a
    production install have them; the broker does not auto-create topics)."""
    if kafka_broker is None:
        bootstrap = os.environ["FLOTILLA_TEST_KAFKA_BOOTSTRAP"]
    else:
        bootstrap = kafka_broker.bootstrap
    settings = KafkaSettings(kafka_bootstrap_servers=bootstrap)
    # In a thread of its own: asyncio.run here would unset the session's event loop.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, ensure_topics(settings, topics.ALL)).result(timeout=60)
    return bootstrap


async def fresh_database(postgres_url: str, name: str) -> str:
    """A new empty database on the test server; returns its URL."""
    return await create_database(postgres_url, name, recreate=True)


@pytest.fixture
async def db_session(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back after the test.

    Code under test may commit: with `create_savepoint` its commits release savepoints inside
    the outer transaction, so nothing reaches the database. Needs a `db_engine` fixture (each
    test package provides one bound to its migrated database).
    """
    async with db_engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


def engine_for(url: str) -> AsyncEngine:
    return create_async_engine(url, pool_size=5, pool_pre_ping=True)


@pytest.fixture(autouse=True)
async def _fail_on_leaked_tasks(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Fail a test that leaves asyncio tasks running (they are cancelled first)."""
    before = asyncio.all_tasks()
    yield
    for _ in range(5):  # let cancellations and done-callbacks settle
        await asyncio.sleep(0)
    current = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() - before if t is not current and not t.done()]
    if not leaked:
        return
    for task in leaked:
        task.cancel()
    await asyncio.gather(*leaked, return_exceptions=True)
    if request.node.get_closest_marker("leaks_tasks_ok") is None:
        names = ", ".join(sorted(t.get_name() + ":" + repr(t.get_coro()) for t in leaked))
        pytest.fail(f"test left {len(leaked)} asyncio task(s) running: {names}", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under CI a skip is a failure: a missing component must never pass silently."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, which counts as a failure: {report.longrepr}"
