"""Dependencies of release-api's endpoints, read from request state."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from flotilla_runtime.errors import NotFound
from release_api.clients import Clusters, Placement, Registry
from release_api.settings import Settings


def get_registry(request: Request) -> Registry:
    return cast(Registry, request.state.registry)


def get_clusters(request: Request) -> Clusters:
    return cast(Clusters, request.state.clusters)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.state.settings)


RegistryDep = Annotated[Registry, Depends(get_registry)]
ClustersDep = Annotated[Clusters, Depends(get_clusters)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def placement_of(registry: Registry, env: str, cluster: str) -> Placement:
    """Where `env` puts the app in `cluster` (404 when the env has no such cluster)."""
    for placement in await registry.placements(env):
        if placement.cluster == cluster:
            return placement
    raise NotFound(f"environment {env} has no cluster {cluster!r}")
