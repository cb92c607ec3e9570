"""What a release remembers of its plan (`releases.plan`), typed: the waves it resolved to, and
how far it got. Written only by the plan driver (release_api.plans.driver) and by the requests
that act on a plan (approve, reject, resume, skip-soak), each under the release's row lock.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from flotilla_contracts.analysis import AnalysisTemplate, Verdict
from flotilla_contracts.plans import FailurePolicy, FreezeWindow, Gate, PlannedWave


class WaveState(StrEnum):
    PENDING = "pending"  # not started
    RUNNING = "running"  # its clusters roll out, max_parallel at a time
    SOAKING = "soaking"  # every cluster done: watched for soak_s
    WAITING_APPROVAL = "waiting-approval"  # soaked; its gate waits for a person
    SUCCEEDED = "succeeded"  # done, soaked, let through
    STOPPED = "stopped"  # the release stopped during it (failure, abort, rejection)


class CheckProgress(BaseModel):
    """One check of a wave's analysis: how many samples, how they were judged, its verdict."""

    model_config = ConfigDict(extra="forbid")

    samples: int = 0
    failed: int = 0
    inconclusive: int = 0
    verdict: Verdict | None = None
    failed_clusters: list[str] = Field(default_factory=list)  # or every one: the wave failed
    last_at: datetime | None = None


class WaveAnalysis(BaseModel):
    """A wave's analysis (release_api.analysis): running until every check has a verdict."""

    model_config = ConfigDict(extra="forbid")

    state: Verdict | None = None  # None: running
    started_at: datetime
    concluded_at: datetime | None = None
    checks: dict[str, CheckProgress] = Field(default_factory=dict)
    reason: str | None = None
    put_back: list[str] = Field(default_factory=list)  # clusters put back for a failure


class WaveProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: WaveState = WaveState.PENDING
    started_at: datetime | None = None
    done_at: datetime | None = None  # every cluster of the wave terminal
    soak_until: datetime | None = None
    decision: dict[str, Any] | None = None  # its gate's approval (releases.schemas.ApprovalOut)
    analysis: WaveAnalysis | None = None  # judged by its metrics while it soaks


class PlanState(BaseModel):
    """The resolved plan and its progress. `current` is the wave the release is in."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    waves: list[PlannedWave]
    failure: FailurePolicy = Field(default_factory=FailurePolicy)
    progress: list[WaveProgress]
    current: int = 0
    # the environment's rules as they were when the release was created: who approves a
    # gate (in words, as the API shows it) and the freeze windows (re-read at each boundary
    # when cluster-registry answers)
    approvers: str = "developers or admins"
    four_eyes: bool = True
    freeze_windows: list[FreezeWindow] = Field(default_factory=list)
    freeze_override: str | None = None  # an admin's reason to release through freezes
    analysis: AnalysisTemplate | None = None  # the checks every wave is judged by
    # cluster → the analysis of its gray step (the template's canary conditions)
    canary: dict[str, WaveAnalysis] = Field(default_factory=dict)
    held: str | None = None  # why the plan does not move on now (a freeze window)
    accepted_failures: int = 0  # failures a person accepted by resuming after a pause
    stopping: str | None = None  # why no cluster is started any more (failure policy)
    rolling_back: bool = False  # putting back every cluster it changed
    finished: bool = False  # the last wave soaked, or the release stopped: it may end

    @classmethod
    def of(cls, stored: dict[str, Any] | None, clusters: list[str]) -> PlanState:
        """The stored plan, or — a release from before plans — one wave of every cluster."""
        if stored:
            return cls.model_validate(stored)
        return single_wave(clusters)

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @property
    def wave(self) -> PlannedWave:
        return self.waves[self.current]

    @property
    def at(self) -> WaveProgress:
        return self.progress[self.current]

    @property
    def last(self) -> bool:
        return self.current == len(self.waves) - 1

    def wave_of(self, cluster: str) -> int:
        return next(i for i, w in enumerate(self.waves) if cluster in w.clusters)


def single_wave(clusters: list[str]) -> PlanState:
    """Every cluster at once, as a release without a plan (and every rollback) goes."""
    wave = PlannedWave(
        name="all",
        clusters=tuple(sorted(clusters)),
        max_parallel=max(1, len(clusters)),
        soak_s=0,
        gate=Gate.AUTO,
    )
    return PlanState(waves=[wave], progress=[WaveProgress()])
