"""Flotilla cluster registry service: create_app(settings) and its console script."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from fastapi import FastAPI

from cluster_registry import __version__
from cluster_registry.clusters.endpoints import router as clusters_router
from cluster_registry.clusters.reseal import report, reseal
from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.environments.endpoints import router as environments_router
from cluster_registry.nodes.endpoints import capacity_router
from cluster_registry.nodes.endpoints import router as nodes_router
from cluster_registry.settings import Settings
from cluster_registry.workers.prober import ClusterProber
from flotilla_runtime import db
from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.audit import router as audit_router
from flotilla_runtime.cli import run_service_cli
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.supervisor import Worker

MIGRATIONS = Path(__file__).parent / "alembic"


def _cipher(resources: Resources) -> CredentialCipher:
    settings = cast(Settings, resources.settings)
    return CredentialCipher(settings.credential_keys.get_secret_value())


def _targets(resources: Resources) -> TargetPolicy:
    settings = cast(Settings, resources.settings)
    return TargetPolicy.of(settings.allowed_api_networks, dev_mode=settings.dev_mode)


def _state(resources: Resources) -> Mapping[str, Any]:
    return {"cipher": _cipher(resources), "targets": _targets(resources)}


def _workers(resources: Resources) -> Sequence[Worker]:
    settings = cast(Settings, resources.settings)
    return [
        ClusterProber(
            resources.sessionmaker,
            _cipher(resources),
            _targets(resources),
            interval_s=settings.probe_interval_s,
            timeout_s=settings.probe_timeout_s,
            concurrency=settings.probe_concurrency,
        )
    ]


SPEC = ServiceSpec(
    name="cluster-registry",
    title="Flotilla cluster registry",
    version=__version__,
    description=(
        "Clusters (self-built and cloud, per IDC), their credentials, health, nodes and "
        "capacity; environments mapped to clusters and namespaces."
    ),
    routers=[clusters_router, environments_router, nodes_router, capacity_router, audit_router],
    openapi_tags=[
        {"name": "clusters", "description": "Registered Kubernetes clusters"},
        {"name": "environments", "description": "Environment to cluster and namespace mapping"},
        {"name": "nodes", "description": "Node operations: tag, taint, cordon, drain, remove"},
        {"name": "capacity", "description": "Allocatable versus requested resources"},
        {"name": "audit", "description": "Who changed what, when, and the outcome"},
        {"name": "internal", "description": "For other Flotilla services (service tokens)"},
    ],
    workers=_workers,
    state=_state,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or Settings())


def reseal_command(settings: Settings) -> int:
    """Seal every stored credential with the first of CREDENTIAL_KEYS (after a rotation)."""

    async def run() -> None:
        engine = db.create_engine(settings)
        try:
            cipher = CredentialCipher(settings.credential_keys.get_secret_value())
            await reseal(db.create_sessionmaker(engine), cipher, progress=report)
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-cluster-registry",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
        commands={
            "reseal": (
                "re-encrypt every cluster's credentials with the newest credential key",
                reseal_command,
            )
        },
    )


if __name__ == "__main__":
    raise SystemExit(main())
