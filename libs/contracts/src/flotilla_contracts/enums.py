"""Enumerations shared across services and by event consumers."""

from enum import StrEnum


class Strategy(StrEnum):
    """How a release replaces the running version in each cluster."""

    ROLLING = "rolling"
    BLUE_GREEN = "blue-green"
    GRAY = "gray"


class Stage(StrEnum):
    """Value of the `flotilla.io/stage` label."""

    STABLE = "stable"
    GRAY = "gray"
    BLUE = "blue"
    GREEN = "green"


class ReleasePhase(StrEnum):
    """Lifecycle of a release over all its clusters."""

    PENDING = "pending"
    WAITING_APPROVAL = "waiting-approval"  # held by the environment's policy; no cluster touched
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially-failed"
    FAILED = "failed"
    ABORTED = "aborted"
    ROLLED_BACK = "rolled-back"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_PHASES


_TERMINAL_PHASES = frozenset(
    {
        ReleasePhase.SUCCEEDED,
        ReleasePhase.PARTIALLY_FAILED,
        ReleasePhase.FAILED,
        ReleasePhase.ABORTED,
        ReleasePhase.ROLLED_BACK,
    }
)


class RolloutPhase(StrEnum):
    """Lifecycle of one cluster's rollout of a release; each cluster moves on its own."""

    PENDING = "pending"
    APPLYING = "applying"
    WAITING_READY = "waiting-ready"
    WAITING_PROMOTE = "waiting-promote"  # blue-green / gray: paused for a promote or abort
    WAITING_INGRESS = "waiting-ingress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # and rolled back where a previous revision existed: see ROLLED_BACK
    ABORTED = "aborted"
    ROLLED_BACK = "rolled-back"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_ROLLOUT


_TERMINAL_ROLLOUT = frozenset(
    {
        RolloutPhase.SUCCEEDED,
        RolloutPhase.FAILED,
        RolloutPhase.ABORTED,
        RolloutPhase.ROLLED_BACK,
    }
)


class AppType(StrEnum):
    """Application runtime family; decides the container port convention and JVM flags."""

    JAVA = "java"
    PYTHON = "python"
    NODE = "node"
    GO = "go"
    STATIC = "static"


class ClusterStatus(StrEnum):
    """Health of a registered cluster as cluster-registry's prober sees it."""

    UNKNOWN = "unknown"
    READY = "ready"
    DEGRADED = "degraded"
    UNREACHABLE = "unreachable"


class ClusterProvider(StrEnum):
    SELF_BUILT = "self-built"
    UK8S = "uk8s"
    OTHER_CLOUD = "other-cloud"


class AlertReason(StrEnum):
    RESTARTS = "restarts"
    CRASH_LOOP = "crash_loop"
    IMAGE_PULL = "image_pull"
    OOM_KILLED = "oom_killed"
    NOT_READY = "not_ready"
    ORPHANED = "orphaned"


class AlertSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Role(StrEnum):
    """Roles carried in a user's token, weakest first."""

    VIEWER = "viewer"
    DEVELOPER = "developer"
    ADMIN = "admin"
