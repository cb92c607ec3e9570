"""Flotilla release API service: create_app(settings) and its console script."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from flotilla_runtime.app import ServiceSpec, create_service_app
from flotilla_runtime.cli import run_service_cli
from release_api import __version__
from release_api.settings import Settings

MIGRATIONS = Path(__file__).parent / "alembic"

SPEC = ServiceSpec(
    name="release-api",
    title="Flotilla release API",
    version=__version__,
    description=(
        "Applications and multi-cluster releases: rolling, blue-green and gray rollouts, "
        "scale, rollback, debug mode and pod isolation."
    ),
    openapi_tags=[
        {"name": "apps", "description": "Applications and their deployment spec"},
        {
            "name": "releases",
            "description": "Releases to every cluster of an environment, per-cluster rollouts",
        },
        {"name": "audit", "description": "Who did what, when"},
    ],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-release-api",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
    )


if __name__ == "__main__":
    raise SystemExit(main())
