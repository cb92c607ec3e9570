"""API models of environments."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cluster_registry.clusters.schemas import Name


class Placement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cluster: Name
    namespace: Name


class EnvironmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "prod",
                    "description": "Production",
                    "clusters": [
                        {"cluster": "idc-a-prod", "namespace": "prod"},
                        {"cluster": "idc-b-prod", "namespace": "prod"},
                    ],
                }
            ]
        },
    )

    name: Name
    description: str = Field("", max_length=1000)
    clusters: list[Placement] = Field(default_factory=list, max_length=100)


class PlacementSet(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"namespace": "prod"}]}
    )

    namespace: Name


class EnvironmentOut(BaseModel):
    name: str
    description: str
    clusters: list[Placement]
    created_at: datetime
