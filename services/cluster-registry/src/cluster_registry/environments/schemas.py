"""API models of environments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cluster_registry.clusters.schemas import Name
from flotilla_contracts.policy import EnvironmentPolicy


class Placement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cluster: Name
    namespace: Name


_CREATED: dict[str, Any] = {
    "name": "prod",
    "description": "Production",
    "clusters": [
        {"cluster": "idc-a-prod", "namespace": "prod"},
        {"cluster": "idc-b-prod", "namespace": "prod"},
    ],
}


class EnvironmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [_CREATED]},
    )

    name: Name
    description: str = Field("", max_length=1000)
    clusters: list[Placement] = Field(default_factory=list, max_length=100)
    policy: EnvironmentPolicy = Field(
        default_factory=EnvironmentPolicy, description="who may do what here (default: open)"
    )


class PlacementSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"namespace": "prod"}]}
    )

    namespace: Name


class EnvironmentOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_CREATED,  # as created from EnvironmentCreate's example
                    "policy": EnvironmentPolicy().model_dump(mode="json"),
                    "revision": 1,
                    "created_at": "2026-12-05T09:30:00Z",
                }
            ]
        }
    )

    name: str
    description: str
    clusters: list[Placement]
    policy: EnvironmentPolicy
    revision: int = Field(description="changes with every change of the policy (the ETag)")
    created_at: datetime
