"""Dependencies of release-api's endpoints, read from request state."""

from __future__ import annotations

import asyncio
from typing import Annotated, cast

from fastapi import Depends, Request

from release_api.clients import Clusters, Registry
from release_api.settings import Settings


def get_registry(request: Request) -> Registry:
    return cast(Registry, request.state.registry)


def get_clusters(request: Request) -> Clusters:
    return cast(Clusters, request.state.clusters)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.state.settings)


def get_streams(request: Request) -> asyncio.Semaphore:
    """How many release event streams this replica may still open."""
    return cast(asyncio.Semaphore, request.state.streams)


RegistryDep = Annotated[Registry, Depends(get_registry)]
ClustersDep = Annotated[Clusters, Depends(get_clusters)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
StreamsDep = Annotated[asyncio.Semaphore, Depends(get_streams)]
