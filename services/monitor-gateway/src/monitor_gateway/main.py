"""Flotilla monitor gateway service: create_app(settings) and its console script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flotilla_runtime.app import ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli
from monitor_gateway import __version__
from monitor_gateway.settings import Settings

MIGRATIONS = Path(__file__).parent / "alembic"

SPEC = ServiceSpec(
    name="monitor-gateway",
    title="Flotilla monitor gateway",
    version=__version__,
    description=(
        "Application metrics (Prometheus), alerts (restarts, crash loops, image pulls, "
        "OOM kills, orphaned pods) and logs."
    ),
    openapi_tags=[
        {"name": "metrics", "description": "Application metrics from Prometheus"},
        {"name": "alerts", "description": "Alerts evaluated from pod watches"},
        {"name": "logs", "description": "Application logs from Filebeat"},
    ],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or Settings())


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
