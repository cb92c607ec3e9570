"""/v1/apps/{app}/deployed: what runs where — per environment and cluster, the version the
latest successful rollout put there, and the release that did it.

A cluster whose newest rollout failed or was rolled back runs what it ran before (the rollout
put the previous revision back), so the answer is the newest rollout *that succeeded* in each
cluster: a rollback release's rollouts succeed with the older image, which is then current.
A cluster never released to is absent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from flotilla_runtime.auth import Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES
from flotilla_runtime.params import NamePath, NameQuery
from release_api.apps import service as apps
from release_api.releases.repository import ReleaseRepository

router = APIRouter(tags=["releases"], responses=PROBLEM_RESPONSES)


class DeployedOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "env": "prod",
                    "cluster": "idc-a-1",
                    "idc": "idc-a",
                    "namespace": "shop-prod",
                    "image": "registry.example.com/shop:2.4.1",
                    "debug": False,
                    "release_id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                    "since": "2026-12-05T09:30:00Z",
                }
            ]
        }
    )

    env: str
    cluster: str
    idc: str
    namespace: str
    image: str = Field(description="the version running there")
    debug: bool = Field(description="released in debug mode (probes and hooks off)")
    release_id: uuid.UUID = Field(description="the release whose rollout put it there")
    since: datetime | None = Field(description="when that rollout finished")


class DeployedPage(BaseModel):
    items: list[DeployedOut] = Field(description="by environment, then cluster")


@router.get(
    "/apps/{app}/deployed",
    operation_id="listDeployedVersions",
    summary="The version running in each cluster, per environment",
    description=(
        "For every cluster the app was released to, the version of its newest successful "
        "rollout: failed and rolled-back rollouts put the previous version back, so they do "
        "not count. `env` keeps one environment."
    ),
)
async def list_deployed(
    app: NamePath, session: SessionDep, _: Viewer, env: NameQuery = None
) -> DeployedPage:
    await apps.get(session, app)
    rows = await ReleaseRepository(session).deployed(app, env)
    return DeployedPage(
        items=[
            DeployedOut(
                env=release.env,
                cluster=rollout.cluster,
                idc=rollout.idc,
                namespace=rollout.namespace,
                image=release.image,
                debug=release.debug,
                release_id=release.id,
                since=rollout.finished_at,
            )
            for release, rollout in rows
        ]
    )
