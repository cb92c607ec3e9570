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
from flotilla_contracts.analysis_events import (
    AnalysisFailedV1,
    AnalysisInconclusiveV1,
    AnalysisPassedV1,
    AnalysisSampledV1,
)
from flotilla_contracts.enums import (
    AlertReason,
    AlertSeverity,
    ClusterProvider,
    ClusterStatus,
    RolloutPhase,
    Stage,
    Strategy,
)
from flotilla_contracts.payload import EventPayload as EventPayload  # consumers import it here
from flotilla_contracts.payload import Name
from flotilla_contracts.plans import OnFailure, PlannedWave
from flotilla_contracts.policy import EnvironmentPolicy

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
    debug: bool = False
    waves: tuple[PlannedWave, ...] = Field(
        (), description="the plan resolved against the environment: its waves, in order"
    )
    on_failure: OnFailure | None = None


class ReleaseWaveStartedV1(EventPayload):
    """A wave of the release's plan started: its clusters begin, `max_parallel` at a time."""

    event_type: ClassVar[str] = "io.flotilla.release.wave_started"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    wave: int = Field(ge=0, description="its index in the plan, from 0")
    name: str = Name
    clusters: tuple[str, ...]


class ReleaseWaveSucceededV1(EventPayload):
    """Every cluster of a wave is done within the failure budget and its soak passed."""

    event_type: ClassVar[str] = "io.flotilla.release.wave_succeeded"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    wave: int = Field(ge=0)
    name: str = Name
    succeeded: tuple[str, ...]
    failed: tuple[str, ...] = ()


class ReleasePausedV1(EventPayload):
    """The release stopped going on: an operator paused it (`by`), or its plan did — a failure
    beyond the budget under `pause`, or a freeze window at a wave boundary (`by` absent)."""

    event_type: ClassVar[str] = "io.flotilla.release.paused"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    reason: str = Field(max_length=2000)
    by: str | None = None


class ReleaseResumedV1(EventPayload):
    """The release goes on (an operator resumed it, or the freeze window it waited for ended)."""

    event_type: ClassVar[str] = "io.flotilla.release.resumed"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    reason: str = Field(max_length=2000)
    by: str | None = None


class RolloutPhaseChangedV1(EventPayload):
    """One cluster's rollout of a release moved to a new phase (started = `applying`)."""

    event_type: ClassVar[str] = "io.flotilla.rollout.phase_changed"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    cluster: str = Name
    phase: RolloutPhase
    previous_phase: RolloutPhase | None = None
    reason: str | None = None


class RolloutProgressedV1(EventPayload):
    """Replicas of the new version in one cluster changed while it rolls out."""

    event_type: ClassVar[str] = "io.flotilla.rollout.progressed"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    cluster: str = Name
    desired: int
    updated: int
    ready: int


class RolloutHeldV1(EventPayload):
    """One cluster's rollout stops replacing pods, because the ingress is not following that
    cluster's pods (k8s-sync unreachable, not watching the cluster, or failing to apply the
    app's backend): its Deployment is paused until it does (`held` false: it goes on). A pod
    replaced while nobody moves the ingress off it would fail the requests still sent to it."""

    event_type: ClassVar[str] = "io.flotilla.rollout.held"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    cluster: str = Name
    held: bool
    reason: str | None = Field(None, max_length=2000)


class _ReleaseOutcome(EventPayload):
    """Fields of every terminal release event (one type per outcome, so consumers can filter)."""

    release_id: UUID
    app: str = Name
    env: str = Name
    image: str
    clusters: dict[str, RolloutPhase] = Field(description="cluster → its rollout's final phase")
    errors: dict[str, str] = Field(default_factory=dict, description="cluster → reason")


class ReleaseSucceededV1(_ReleaseOutcome):
    """Every cluster rolled out and the ingress serves the new pods everywhere."""

    event_type: ClassVar[str] = "io.flotilla.release.succeeded"
    topic: ClassVar[str] = topics.RELEASES


class ReleasePartiallyFailedV1(_ReleaseOutcome):
    """Some clusters succeeded; the others failed and were rolled back alone."""

    event_type: ClassVar[str] = "io.flotilla.release.partially_failed"
    topic: ClassVar[str] = topics.RELEASES


class ReleaseFailedV1(_ReleaseOutcome):
    """No cluster succeeded."""

    event_type: ClassVar[str] = "io.flotilla.release.failed"
    topic: ClassVar[str] = topics.RELEASES


class ReleaseAbortedV1(_ReleaseOutcome):
    """An operator aborted the release; unfinished clusters were put back."""

    event_type: ClassVar[str] = "io.flotilla.release.aborted"
    topic: ClassVar[str] = topics.RELEASES


class ReleaseRolledBackV1(_ReleaseOutcome):
    """The release was a rollback to an earlier one, and it finished."""

    event_type: ClassVar[str] = "io.flotilla.release.rolled_back"
    topic: ClassVar[str] = topics.RELEASES


class DebugModeChangedV1(EventPayload):
    """An app's pods in an env run with probes and lifecycle hooks off (or back on)."""

    event_type: ClassVar[str] = "io.flotilla.app.debug_changed"
    topic: ClassVar[str] = topics.RELEASES

    app: str = Name
    env: str = Name
    debug: bool
    release_id: UUID


class ReleaseControlledV1(EventPayload):
    """An operator acted on a running release: promote, pause, resume, abort, skip a soak or
    roll the fleet back."""

    event_type: ClassVar[str] = "io.flotilla.release.controlled"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    action: str = Field(pattern=r"^(promote|pause|resume|abort|skip-soak|fleet-rollback)$")
    by: str


class _ReleaseDecision(EventPayload):
    release_id: UUID
    app: str = Name
    env: str = Name
    by: str
    comment: str = Field("", max_length=1000)
    wave: int | None = Field(None, ge=0, description="the gate decided; absent: the start")


class ReleaseWaitingApprovalV1(EventPayload):
    """The environment's policy holds the release until a person it names approves it."""

    event_type: ClassVar[str] = "io.flotilla.release.waiting_approval"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    requested_by: str
    approvers: str = Field(description="who the policy lets approve, in words")
    four_eyes: bool
    wave: int | None = Field(
        None, ge=0, description="the wave whose gate holds it; absent: before any wave starts"
    )


class ReleaseApprovedV1(_ReleaseDecision):
    """Someone the policy allows approved a held release; its clusters start."""

    event_type: ClassVar[str] = "io.flotilla.release.approved"
    topic: ClassVar[str] = topics.RELEASES


class ReleaseRejectedV1(_ReleaseDecision):
    """Someone the policy allows rejected a held release; it ends without touching a cluster."""

    event_type: ClassVar[str] = "io.flotilla.release.rejected"
    topic: ClassVar[str] = topics.RELEASES


class AppScaledV1(EventPayload):
    """An app was scaled in an environment: `replicas` in each of `clusters`."""

    event_type: ClassVar[str] = "io.flotilla.app.scaled"
    topic: ClassVar[str] = topics.RELEASES

    app: str = Name
    env: str = Name
    replicas: int = Field(ge=0)
    clusters: tuple[str, ...]
    by: str


class PodIsolatedV1(EventPayload):
    """A pod was detached from its Deployment and Service and kept for a post-mortem."""

    event_type: ClassVar[str] = "io.flotilla.pod.isolated"
    topic: ClassVar[str] = topics.RELEASES

    app: str = Name
    env: str = Name
    cluster: str = Name
    namespace: str = Name
    pod: str
    by: str


# --- clusters ------------------------------------------------------------------------------


class ClusterRegisteredV1(EventPayload):
    """A cluster was registered: its credentials reached its API server."""

    event_type: ClassVar[str] = "io.flotilla.cluster.registered"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name
    idc: str = Name
    provider: ClusterProvider
    api_server: str
    kubernetes_version: str | None = None


class ClusterStatusChangedV1(EventPayload):
    """A cluster became reachable, unreachable or degraded, as the prober saw it."""

    event_type: ClassVar[str] = "io.flotilla.cluster.status_changed"
    topic: ClassVar[str] = topics.CLUSTERS

    cluster: str = Name
    status: ClusterStatus
    previous_status: ClusterStatus
    reason: str | None = None
    observed_at: datetime


class ClusterDeregisteredV1(EventPayload):
    """A cluster was deregistered: Flotilla no longer deploys to it."""

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
    """An environment was created, remapped, given a new policy or deleted."""

    event_type: ClassVar[str] = "io.flotilla.environment.changed"
    topic: ClassVar[str] = topics.CLUSTERS

    environment: str = Name
    action: str = Field(description="created | mapped | unmapped | policy | deleted")
    clusters: dict[str, str] = Field(description="cluster → namespace after the change")
    policy: EnvironmentPolicy | None = Field(None, description="the policy after the change")


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
    """An ingress instance could not apply an app's endpoints in a cluster (the reason says why)."""

    event_type: ClassVar[str] = "io.flotilla.sync.failed"
    topic: ClassVar[str] = topics.SYNC

    app: str = Name
    env: str = Name
    cluster: str = Name
    reason: str
    failed_at: datetime


# --- alerts --------------------------------------------------------------------------------


class AlertFiredV1(EventPayload):
    """An alert fired for a pod of an app: crash loop, image pull, OOM kill, restarts, not
    ready, or orphaned."""

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
    """An alert's condition is over."""

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
    RolloutProgressedV1,
    RolloutHeldV1,
    ReleaseWaveStartedV1,
    ReleaseWaveSucceededV1,
    AnalysisSampledV1,
    AnalysisPassedV1,
    AnalysisFailedV1,
    AnalysisInconclusiveV1,
    ReleasePausedV1,
    ReleaseResumedV1,
    ReleaseSucceededV1,
    ReleasePartiallyFailedV1,
    ReleaseFailedV1,
    ReleaseAbortedV1,
    ReleaseRolledBackV1,
    DebugModeChangedV1,
    ReleaseControlledV1,
    ReleaseWaitingApprovalV1,
    ReleaseApprovedV1,
    ReleaseRejectedV1,
    AppScaledV1,
    PodIsolatedV1,
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
