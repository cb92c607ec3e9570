"""Release requests and views."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from flotilla_contracts.enums import ReleasePhase, RolloutPhase, Strategy

# An image must name a tag or a digest: `latest`-by-omission is not a release.
IMAGE = r"^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$"


class ReleaseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replicas: int | None = Field(
        None, ge=0, le=1000, description="default: the app's replicas for the env (else 2)"
    )
    timeout_s: float = Field(
        600, gt=0, le=7200, description="per cluster: from apply to ingress confirmed"
    )
    debug: bool = Field(
        False,
        description="probes and lifecycle hooks off (for a CrashLoopBackOff); the next normal "
        "release turns it off again",
    )


class ReleaseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "image": "registry.example.com/shop/api:1.4.2",
                    "env": "prod",
                    "strategy": "rolling",
                    "options": {"timeout_s": 600},
                }
            ]
        },
    )

    image: str = Field(min_length=3, max_length=512, pattern=IMAGE)
    env: str = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    strategy: Strategy = Strategy.ROLLING
    options: ReleaseOptions = Field(default_factory=ReleaseOptions)


class RolloutOut(BaseModel):
    cluster: str
    idc: str
    namespace: str
    phase: RolloutPhase
    replicas: int
    progress: dict[str, Any]
    error: str | None
    updated_at: datetime


class ReleaseOut(BaseModel):
    id: uuid.UUID
    app: str
    env: str
    image: str
    strategy: Strategy
    phase: ReleasePhase
    debug: bool
    rollback_of: uuid.UUID | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    clusters: list[RolloutOut]
    follow: str = Field(description="Server-Sent Events of this release's progress")


class ReleasePage(BaseModel):
    items: list[ReleaseOut]
    next_cursor: str | None


class ScaleRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"replicas": 6}, {"replicas": 0}]}
    )

    replicas: int = Field(ge=0, le=1000)
    cluster: str | None = Field(None, description="one cluster of the env; default: all")


class ScaleOut(BaseModel):
    app: str
    env: str
    replicas: int
    clusters: dict[str, str] = Field(description="cluster → ok, or the error")


class IsolatedPod(BaseModel):
    cluster: str
    namespace: str
    pod: str
    phase: str
    isolated_at: str | None
    isolated_by: str | None
