"""Fixtures of the runtime's tests: a database with the runtime's tables, Kafka settings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from flotilla_devstack.pytest_plugin import engine_for, fresh_database
from flotilla_runtime import consumer, outbox  # noqa: F401  (registers the runtime's tables)
from flotilla_runtime.db import Base
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.migrations import RUNTIME_TABLES
from flotilla_runtime.settings import KafkaSettings

MakeDatabase = Callable[[str], Awaitable[AsyncEngine]]


async def create_runtime_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(
            Base.metadata.create_all, tables=[Base.metadata.tables[t] for t in RUNTIME_TABLES]
        )


@pytest.fixture(scope="session")
async def db_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    """The shared runtime test database (tests use it through rolled-back `db_session`s)."""
    engine = engine_for(await fresh_database(postgres_url, "flotilla_runtime_test"))
    await create_runtime_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def make_database(postgres_url: str) -> AsyncIterator[MakeDatabase]:
    """A fresh database with the runtime's tables, for tests whose workers must commit."""
    engines: list[AsyncEngine] = []

    async def make(name: str) -> AsyncEngine:
        engine = engine_for(await fresh_database(postgres_url, name))
        await create_runtime_tables(engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        await engine.dispose()


@pytest.fixture(scope="session")
def kafka_settings(kafka_bootstrap: str) -> KafkaSettings:
    return KafkaSettings(kafka_bootstrap_servers=kafka_bootstrap, kafka_request_timeout_ms=5000)


@pytest.fixture
async def topic(kafka_settings: KafkaSettings) -> str:
    """A new topic with 3 partitions, unique to the test."""
    name = f"test.{uuid.uuid4().hex[:12]}"
    await ensure_topics(kafka_settings, [name], partitions=3)
    return name
