"""Flotilla cluster registry service: create_app(settings) and its console script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cluster_registry import __version__
from cluster_registry.settings import Settings
from flotilla_runtime.app import ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli

MIGRATIONS = Path(__file__).parent / "alembic"

SPEC = ServiceSpec(
    name="cluster-registry",
    title="Flotilla cluster registry",
    version=__version__,
    description=(
        "Clusters (self-built and cloud, per IDC), their credentials, health, nodes and "
        "capacity; environments mapped to clusters and namespaces."
    ),
    openapi_tags=[
        {"name": "clusters", "description": "Registered Kubernetes clusters"},
        {"name": "environments", "description": "Environment to cluster and namespace mapping"},
        {"name": "nodes", "description": "Node operations: tag, taint, cordon, drain, remove"},
        {"name": "capacity", "description": "Allocatable versus requested resources"},
    ],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-cluster-registry",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
