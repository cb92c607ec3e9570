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
    """Lifecycle of a release (over all clusters) and of each per-cluster rollout."""

    PENDING = "pending"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"
    ROLLED_BACK = "rolled_back"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_PHASES


_TERMINAL_PHASES = frozenset(
    {ReleasePhase.SUCCEEDED, ReleasePhase.FAILED, ReleasePhase.ABORTED, ReleasePhase.ROLLED_BACK}
)


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
