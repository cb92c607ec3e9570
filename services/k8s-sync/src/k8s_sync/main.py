"""Flotilla k8s-sync service: create_app(settings) and its console script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flotilla_runtime.app import ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli
from k8s_sync import __version__
from k8s_sync.settings import Settings

MIGRATIONS = Path(__file__).parent / "alembic"

SPEC = ServiceSpec(
    name="k8s-sync",
    title="Flotilla k8s-sync",
    version=__version__,
    description="Keeps the unified ingress (HAProxy) in step with the ready pods of every cluster.",
    openapi_tags=[
        {"name": "sync", "description": "Per-cluster and per-application sync status"},
        {"name": "ingress", "description": "What the ingress serves, read back from it"},
    ],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-k8s-sync",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
