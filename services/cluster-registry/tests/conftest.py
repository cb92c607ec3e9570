"""cluster-registry against real PostgreSQL, Kafka settings and kubesim clusters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cluster_registry.main import MIGRATIONS, create_app
from cluster_registry.settings import Settings
from flotilla_contracts.enums import Role
from flotilla_devstack.kubesim import SimulatedCluster
from flotilla_devstack.pytest_plugin import engine_for, fresh_database
from flotilla_runtime.auth import mint_token
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings

AUTH = AuthSettings()
PROBE_INTERVAL_S = 0.5


def bearer(*roles: Role, service: bool = False, subject: str = "tester") -> dict[str, str]:
    token = mint_token(AUTH, subject=subject, roles=roles, service=service)
    return {"Authorization": f"Bearer {token}"}


ADMIN = bearer(Role.ADMIN, subject="alice")
VIEWER = bearer(Role.VIEWER, subject="victor")
SERVICE = bearer(service=True, subject="release-api")


@dataclass
class Registry:
    http: httpx.AsyncClient
    engine: AsyncEngine

    async def count(self, table: str) -> int:
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        import json

        async with self.engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT value FROM flotilla_outbox WHERE event_type = :t ORDER BY id"),
                {"t": event_type},
            )
            return [json.loads(bytes(r[0])) for r in rows]


@asynccontextmanager
async def running_registry(
    postgres_url: str, kafka_bootstrap: str, *, database_url: str | None = None, **overrides: Any
) -> AsyncIterator[Registry]:
    """cluster-registry in-process on `database_url`, or a fresh database; `overrides` are
    Settings fields."""
    url = database_url or await fresh_database(postgres_url, f"registry_{uuid.uuid4().hex[:8]}")
    await upgrade_async(url, MIGRATIONS)
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=kafka_bootstrap,
        probe_interval_s=PROBE_INTERVAL_S,
        probe_timeout_s=1.0,
        max_body_bytes=65536,
        **overrides,
    )
    engine = engine_for(url)
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry", timeout=30
        ) as http:
            yield Registry(http, engine)
    await engine.dispose()


@pytest.fixture
async def registry(postgres_url: str, kafka_bootstrap: str) -> AsyncIterator[Registry]:
    async with running_registry(postgres_url, kafka_bootstrap) as running:
        yield running


def kubeconfig_body(
    cluster: SimulatedCluster, name: str | None = None, idc: str = "idc-a", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name or cluster.name,
        "idc": idc,
        "provider": "self-built",
        "credentials": {"kind": "kubeconfig", "kubeconfig": cluster.kubeconfig.read_text()},
        **extra,
    }


async def register(
    registry: Registry, cluster: SimulatedCluster, name: str | None = None, **extra: Any
) -> dict[str, Any]:
    r = await registry.http.post(
        "/v1/clusters", json=kubeconfig_body(cluster, name, **extra), headers=ADMIN
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
