"""Flotilla monitor gateway service: create_app(settings) and its console script."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI

from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli
from flotilla_runtime.supervisor import Worker
from monitor_gateway import __version__
from monitor_gateway.logs.endpoints import router as logs_router
from monitor_gateway.logs.ingest import LogIngest
from monitor_gateway.logs.partitions import Partitions, Retention
from monitor_gateway.logs.pool import LogsPool
from monitor_gateway.settings import Settings

MIGRATIONS = Path(__file__).parent / "alembic"


def build_workers(resources: Resources) -> Sequence[Worker]:
    settings = cast(Settings, resources.settings)
    pool = LogsPool(settings.database_url)
    partitions = Partitions(settings.logs_retention_days)
    ingest = LogIngest(
        pool,
        settings,
        partitions,
        topic=settings.logs_topic,
        group_id=settings.logs_group,
        max_batch=settings.logs_batch_max,
    )
    resources.extras.update(
        logs_pool=pool, ingest=ingest, tails=asyncio.Semaphore(settings.logs_tail_max)
    )
    return [pool, Retention(pool, partitions), ingest]


def _state(resources: Resources) -> Mapping[str, Any]:
    return {k: resources.extras[k] for k in ("logs_pool", "ingest", "tails")}


SPEC = ServiceSpec(
    name="monitor-gateway",
    title="Flotilla monitor gateway",
    version=__version__,
    description=(
        "Application metrics (Prometheus), alerts (restarts, crash loops, image pulls, "
        "OOM kills, orphaned pods) and logs."
    ),
    routers=[logs_router],
    openapi_tags=[
        {"name": "metrics", "description": "Application metrics from Prometheus"},
        {"name": "alerts", "description": "Alerts evaluated from pod watches"},
        {"name": "logs", "description": "Application logs from Filebeat"},
    ],
    workers=build_workers,
    state=_state,
)


def create_app(settings: Settings | None = None, *, spec: ServiceSpec = SPEC) -> FastAPI:
    return create_service_app(spec, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-monitor-gateway",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
