"""Event payloads published on Flotilla's topics, one versioned model per CloudEvent type.

A model's `event_type` is the CloudEvent `type` attribute and `topic` is where it is published.
Consumers look a payload model up by type with `model_for_type`.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from flotilla_contracts import topics
from flotilla_contracts.enums import (
    AlertReason,
    AlertSeverity,
    ClusterProvider,
    ClusterStatus,
    ReleasePhase,
    Stage,
    Strategy,
)

Name = Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class EventPayload(BaseModel):
    """Base of every event payload: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[str]


# --- releases ------------------------------------------------------------------------------


class ReleaseCreatedV1(EventPayload):
    """A release was accepted; one rollout per cluster will follow."""

    event_type: ClassVar[str] = "io.flotilla.release.created"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    image: str = Field(min_length=1, max_length=512)
    strategy: Strategy
    clusters: tuple[str, ...]
    requested_by: str


class RolloutPhaseChangedV1(EventPayload):
    """One cluster's rollout of a release moved to a new phase."""

    event_type: ClassVar[str] = "io.flotilla.rollout.phase_changed"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    cluster: str = Name
    phase: ReleasePhase
    previous_phase: ReleasePhase | None = None
    reason: str | None = None


class ReleaseSucceededV1(EventPayload):
    """Every cluster of the release finished its rollout."""

    event_type: ClassVar[str] = "io.flotilla.release.succeeded"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    image: str
    clusters: tuple[str, ...]


class ReleaseFailedV1(EventPayload):
    """The release ended with at least one cluster not rolled out."""

    event_type: ClassVar[str] = "io.flotilla.release.failed"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    succeeded_clusters: tuple[str, ...]
    failed_clusters: dict[str, str] = Field(description="cluster → reason")


# --- clusters ------------------------------------------------------------------------------


class ClusterRegisteredV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.cluster.registered"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name
    idc: str = Name
    provider: ClusterProvider
    api_server: str
    kubernetes_version: str | None = None


class ClusterStatusChangedV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.cluster.status_changed"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name
    status: ClusterStatus
    previous_status: ClusterStatus
    reason: str | None = None
    observed_at: datetime


class ClusterDeregisteredV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.cluster.deregistered"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name


class ClusterUpdatedV1(EventPayload):
    """Registration details changed (IDC, provider, labels, API server) or credentials rotated."""

    event_type: ClassVar[str] = "io.flotilla.cluster.updated"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name
    changed: tuple[str, ...] = Field(description="names of the fields that changed")
    credentials_rotated: bool = False


class NodeChangedV1(EventPayload):
    """An operator acted on a node, or a node joined or left a cluster."""

    event_type: ClassVar[str] = "io.flotilla.node.changed"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name
    node: str
    action: str = Field(
        description="joined | left | tagged | tainted | cordoned | uncordoned | drained | removed"
    )
    details: dict[str, str] = Field(default_factory=dict)


class EnvironmentChangedV1(EventPayload):
    """An environment was created, remapped or deleted."""

    event_type: ClassVar[str] = "io.flotilla.environment.changed"
    topic: ClassVar[str] = topics.CLUSTERS

    environment: str = Name
    action: str = Field(description="created | mapped | unmapped | deleted")
    clusters: dict[str, str] = Field(description="cluster → namespace after the change")


# --- sync ----------------------------------------------------------------------------------


class IngressEndpoint(BaseModel):
    """One pod as the ingress serves it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pod: str
    address: str
    port: int = Field(ge=1, le=65535)
    stage: Stage
    state: str = Field(description="ready | drain | maint")


class SyncAppliedV1(EventPayload):
    """The ingress now serves this endpoint set for (app, env, cluster), read back from it."""

    event_type: ClassVar[str] = "io.flotilla.sync.applied"
    topic: ClassVar[str] = topics.SYNC

    app: str = Name
    env: str = Name
    cluster: str = Name
    endpoints: tuple[IngressEndpoint, ...]
    resource_versions: dict[str, str] = Field(description="EndpointSlice name → resourceVersion")
    applied_at: datetime


class SyncFailedV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.sync.failed"
    topic: ClassVar[str] = topics.SYNC

    app: str = Name
    env: str = Name
    cluster: str = Name
    reason: str
    failed_at: datetime


# --- alerts --------------------------------------------------------------------------------


class AlertFiredV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.alert.fired"
    topic: ClassVar[str] = topics.ALERTS

    alert_id: UUID
    app: str = Name
    env: str = Name
    cluster: str = Name
    pod: str
    container: str | None = None
    reason: AlertReason
    severity: AlertSeverity
    message: str
    fired_at: datetime


class AlertResolvedV1(EventPayload):
    event_type: ClassVar[str] = "io.flotilla.alert.resolved"
    topic: ClassVar[str] = topics.ALERTS

    alert_id: UUID
    app: str = Name
    cluster: str = Name
    pod: str
    reason: AlertReason
    resolved_at: datetime


ALL_PAYLOADS: tuple[type[EventPayload], ...] = (
    ReleaseCreatedV1,
    RolloutPhaseChangedV1,
    ReleaseSucceededV1,
    ReleaseFailedV1,
    ClusterRegisteredV1,
    ClusterStatusChangedV1,
    ClusterDeregisteredV1,
    ClusterUpdatedV1,
    NodeChangedV1,
    EnvironmentChangedV1,
    SyncAppliedV1,
    SyncFailedV1,
    AlertFiredV1,
    AlertResolvedV1,
)

_BY_TYPE: dict[str, type[EventPayload]] = {model.event_type: model for model in ALL_PAYLOADS}


def model_for_type(event_type: str) -> type[EventPayload] | None:
    """The payload model for a CloudEvent `type`, or None for a type this version does not know."""
    return _BY_TYPE.get(event_type)
