"""API models of nodes, drains and capacity."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from cluster_registry.clusters.schemas import LabelKey, Labels
from flotilla_runtime.params import JSON_INTEGER


class NodeOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "idc-a-1-node-1",
                    "ready": True,
                    "unschedulable": False,
                    "roles": ["worker"],
                    "labels": {"kubernetes.io/hostname": "idc-a-1-node-1", "tier": "gold"},
                    "taints": [],
                    "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
                    "allocatable": {"cpu": "15500m", "memory": "62Gi", "pods": "110"},
                    "kubelet_version": "v1.34.4",
                    "pods": 23,
                }
            ]
        }
    )

    name: str
    ready: bool
    unschedulable: bool
    roles: list[str]
    labels: dict[str, str]
    taints: list[dict[str, str]]
    capacity: dict[str, str]
    allocatable: dict[str, str]
    kubelet_version: str
    pods: int


class LabelChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"set": {"tier": "gold"}, "remove": ["legacy"]}]},
    )

    set: Labels = Field(default_factory=dict)
    remove: list[LabelKey] = Field(default_factory=list, max_length=64)


class Taint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9][-A-Za-z0-9_./]*$")
    value: str = Field("", max_length=63)
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class TaintChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "add": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}],
                    "remove": ["maintenance"],
                }
            ]
        },
    )

    add: list[Taint] = Field(default_factory=list, max_length=32)
    remove: list[str] = Field(default_factory=list, max_length=32)


class DrainRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"timeout_s": 60, "grace_period_s": 30}]}
    )

    timeout_s: StrictFloat = Field(60.0, gt=0, le=3600)
    grace_period_s: Annotated[int, Field(ge=0, le=3600), JSON_INTEGER] | None = Field(
        None, description="override the pods' own grace period"
    )


class PodDrainResult(BaseModel):
    namespace: str
    pod: str
    outcome: Literal["evicted", "blocked", "failed", "skipped"]
    message: str = ""


class DrainReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "node": "idc-a-1-node-1",
                    "completed": True,
                    "elapsed_s": 12.4,
                    "pods": [
                        {
                            "namespace": "shop-prod",
                            "pod": "shop-7d9f-abcde",
                            "outcome": "evicted",
                            "message": "",
                        }
                    ],
                }
            ]
        }
    )

    node: str
    completed: bool = Field(description="every evictable pod left the node before the timeout")
    pods: list[PodDrainResult]
    elapsed_s: float


class ResourceUse(BaseModel):
    allocatable: float
    requested: float


class NodeCapacity(BaseModel):
    node: str
    cpu: ResourceUse
    memory: ResourceUse
    pods: ResourceUse


class ClusterCapacity(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cluster": "idc-a-1",
                    "idc": "idc-a",
                    "cpu": {"allocatable": 46.5, "requested": 31.2},
                    "memory": {"allocatable": 190000000000.0, "requested": 120000000000.0},
                    "pods": {"allocatable": 330, "requested": 141},
                    "nodes": [
                        {
                            "node": "idc-a-1-node-1",
                            "cpu": {"allocatable": 15.5, "requested": 10.4},
                            "memory": {"allocatable": 64000000000.0, "requested": 41000000000.0},
                            "pods": {"allocatable": 110, "requested": 47},
                        }
                    ],
                    "usage_trend": None,
                }
            ]
        }
    )

    cluster: str
    idc: str
    cpu: ResourceUse
    memory: ResourceUse
    pods: ResourceUse
    nodes: list[NodeCapacity]
    usage_trend: str | None = Field(
        None, description="from monitor-gateway, where it has the cluster's metrics"
    )


class IdcCapacity(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "idc": "idc-a",
                    "clusters": ["idc-a-1", "idc-a-2"],
                    "cpu": {"allocatable": 93.0, "requested": 60.1},
                    "memory": {"allocatable": 380000000000.0, "requested": 230000000000.0},
                    "pods": {"allocatable": 660, "requested": 280},
                    "unreachable": [],
                }
            ]
        }
    )

    idc: str
    clusters: list[str]
    cpu: ResourceUse
    memory: ResourceUse
    pods: ResourceUse
    unreachable: list[str] = Field(default_factory=list)
