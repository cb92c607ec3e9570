"""Each of the four services: migrations apply and match its models, it starts, is ready, and
documents its API."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.pytest_plugin import engine_for, fresh_database
from flotilla_devstack.stack import SERVICES, venv_script
from flotilla_runtime.db import Base
from flotilla_runtime.migrations import alembic_config, upgrade_async

pytestmark = pytest.mark.integration

PACKAGES = {s.name: s.name.replace("-", "_") for s in SERVICES}


@pytest.fixture(scope="module")
def haproxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HAProxyProcess]:
    """k8s-sync is ready only when its ingress answers."""
    process = HAProxyProcess(tmp_path_factory.mktemp("haproxy"))
    process.start()
    yield process
    process.stop()


async def drift(url: str, package: str, tables: set[str]) -> list[Any]:
    """What the migrated database lacks or has beyond the service's models (Alembic's
    autogenerate comparison: tables, columns, types, indexes, constraints): a migration
    forgotten or different from its model. Base.metadata holds every service imported in this
    process (`load` imported this one's), so only the tables of `package`'s models are compared,
    and the runtime's that the service has (the audit log only where it audits)."""
    wanted = {
        str(getattr(mapper.local_table, "name", ""))
        for mapper in Base.registry.mappers
        if mapper.class_.__module__.startswith(package + ".")
        or (
            mapper.class_.__module__.startswith("flotilla_runtime.")
            and str(getattr(mapper.local_table, "name", "")) in tables
        )
    }

    def include(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in wanted

    def compare(connection: Any) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))

    engine = engine_for(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


def load(name: str) -> tuple[Any, Callable[..., FastAPI], Any]:
    main = importlib.import_module(f"{PACKAGES[name]}.main")
    settings = importlib.import_module(f"{PACKAGES[name]}.settings")
    return main, main.create_app, settings.Settings


async def test_replicas_that_migrate_at_once_all_succeed(postgres_url: str) -> None:
    """Every replica runs the migrations as it starts (deploy/'s init containers): three
    `migrate` processes at once on a new database all succeed, one after the other, instead of
    failing on a table another just created (flotilla_runtime.migrations' advisory lock)."""
    main, _, _ = load("release-api")
    url = await fresh_database(postgres_url, "svc_concurrent_migrations")
    env = {**os.environ, "RELEASE_API_DATABASE_URL": url, "RELEASE_API_LOG_FORMAT": "json"}
    procs = [
        await asyncio.create_subprocess_exec(
            venv_script("flotilla-release-api"),
            "migrate",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = await asyncio.gather(*(p.communicate() for p in procs))
    codes = [p.returncode for p in procs]
    assert codes == [0, 0, 0], [out.decode()[-1500:] for out, _ in outputs]
    engine = engine_for(url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    finally:
        await engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(url, main.MIGRATIONS)).get_current_head()
    assert [v for (v,) in versions] == [head]


@pytest.mark.parametrize("name", list(PACKAGES))
async def test_service_migrates_starts_and_is_ready(
    name: str, postgres_url: str, kafka_bootstrap: str, haproxy: HAProxyProcess
) -> None:
    main, create_app, settings_type = load(name)
    url = await fresh_database(postgres_url, f"svc_{PACKAGES[name]}")
    await upgrade_async(url, main.MIGRATIONS)
    engine = engine_for(url)
    try:
        async with engine.connect() as conn:
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
            tables = set(
                (
                    await conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(url, main.MIGRATIONS)).get_current_head()
    assert version == head
    assert {"flotilla_outbox", "flotilla_processed_events", "flotilla_dead_letters"} <= tables
    assert await drift(url, PACKAGES[name], tables) == []

    extra = (
        {"ingresses": [haproxy.ingress_settings()]}
        if "ingresses" in settings_type.model_fields
        else {}
    )
    settings = settings_type(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, **extra)
    assert settings.service_name == name
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            ready = await client.get("/readyz")
            openapi = (await client.get("/openapi.json")).json()
    assert ready.status_code == 200, ready.text
    assert openapi["openapi"].startswith("3.1")
    assert openapi["info"]["title"].startswith("Flotilla")
    assert openapi["info"]["version"] == "0.1.0"
    tags = {t["name"] for t in openapi["tags"]}
    assert "health" in tags
    assert len(tags) >= 3
    operation_ids = [
        op["operationId"] for path in openapi["paths"].values() for op in path.values()
    ]
    assert {"livez", "readyz", "metrics"} <= set(operation_ids)


@pytest.mark.parametrize("name", list(PACKAGES))
def test_settings_read_the_services_own_prefix(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, settings_type = load(name)
    prefix = next(s.env_prefix for s in SERVICES if s.name == name)
    monkeypatch.setenv(f"{prefix}PORT", "9999")
    monkeypatch.setenv(f"{prefix}DATABASE_URL", "postgresql://u@db:5432/x")
    monkeypatch.setenv("OTHER_SERVICE_PORT", "1")
    settings = settings_type()
    assert settings.port == 9999
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/x"


@pytest.mark.parametrize("name", list(PACKAGES))
def test_console_script_prints_openapi(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    main, _, _ = load(name)
    assert main.main(["openapi"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["info"]["title"].startswith("Flotilla")


def _pydantic_only_keywords(node: Any, where: str = "") -> list[str]:
    """Places where a schema holds pydantic's names for bounds (`ge`, ...) instead of JSON
    Schema's (`minimum`, ...): a constraint the server enforces that no client can read."""
    found: list[str] = []
    if isinstance(node, dict):
        found += [
            f"{where}/{k}" for k in ("ge", "le", "gt", "lt") if isinstance(node.get(k), int | float)
        ]
        for key, value in node.items():
            found += _pydantic_only_keywords(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _pydantic_only_keywords(value, f"{where}/{index}")
    return found


@pytest.mark.parametrize("name", list(PACKAGES))
def test_documents_state_bounds_in_json_schema_terms(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main, _, _ = load(name)
    assert main.main(["openapi"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert _pydantic_only_keywords(document) == []
