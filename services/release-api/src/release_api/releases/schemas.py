"""Release requests and views."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    model_validator,
)

from flotilla_contracts.analysis import AnalysisTemplate, Verdict
from flotilla_contracts.enums import ReleasePhase, RolloutPhase, Strategy
from flotilla_contracts.names import NAME_MAX, NAME_PATTERN
from flotilla_contracts.plans import FailurePolicy, Gate, ReleasePlan
from flotilla_runtime.params import JSON_INTEGER
from release_api.plans.state import WaveAnalysis, WaveState

# An image must name a tag or a digest: `latest`-by-omission is not a release.
IMAGE = r"^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$"


class ControlAction(StrEnum):
    PROMOTE = "promote"
    PAUSE = "pause"
    RESUME = "resume"
    ABORT = "abort"
    SKIP_SOAK = "skip-soak"
    FLEET_ROLLBACK = "fleet-rollback"

    @property
    def operation_id(self) -> str:
        """`pauseRelease`, `skipSoakRelease`, ... (OpenAPI operationIds, camelCase)."""
        first, *rest = self.value.split("-")
        return first + "".join(word.capitalize() for word in rest) + "Release"


class ReleaseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    replicas: Annotated[int, Field(ge=0, le=1000), JSON_INTEGER] | None = Field(
        None, description="default: the app's replicas for the env (else 2)"
    )
    timeout_s: StrictFloat = Field(
        600, gt=0, le=7200, description="per cluster: from apply to ingress confirmed"
    )
    debug: StrictBool = Field(
        False,
        description="probes and lifecycle hooks off (for a CrashLoopBackOff); the next normal "
        "release turns it off again",
    )
    promote: Literal["auto", "manual"] | None = Field(
        None,
        description="blue-green and gray: wait for POST .../promote (manual) or go on by "
        "themselves after auto_promote_s (auto). Default: auto for blue-green, manual for gray",
    )
    auto_promote_s: StrictFloat = Field(0, ge=0, le=86_400)
    scale_down_delay_s: StrictFloat = Field(
        30, ge=0, le=86_400, description="blue-green: the old colour is kept this long"
    )
    gray_replicas: Annotated[int, Field(ge=1, le=1000), JSON_INTEGER] | None = Field(
        None, description="gray: pods in gray"
    )
    gray_percent: StrictFloat | None = Field(
        None, gt=0, le=100, description="gray: pods in gray as a share of the replicas"
    )
    gray_weight: Annotated[int, Field(ge=0, le=256), JSON_INTEGER] | None = Field(
        None, description="gray: HAProxy weight of each gray pod (stable: 100)"
    )
    freeze_override: str | None = Field(
        None,
        min_length=3,
        max_length=500,
        description="admins: release through the environment's freeze windows, for this "
        "reason (audited)",
    )

    @model_validator(mode="after")
    def _one_gray_size(self) -> Self:
        if self.gray_replicas is not None and self.gray_percent is not None:
            raise ValueError("give gray_replicas or gray_percent, not both")
        return self


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
    env: str = Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)
    strategy: Strategy = Strategy.ROLLING
    options: ReleaseOptions = Field(default_factory=ReleaseOptions)
    plan: ReleasePlan | None = Field(
        None,
        description="the waves it walks the environment's clusters in (default: the "
        "environment's default plan, else every cluster at once)",
    )
    analysis: AnalysisTemplate | None = Field(
        None,
        description="the checks each wave is judged by while it soaks (default: the app's, "
        "else the environment's; an empty list of checks turns analysis off, custom PromQL "
        "checks are for admins)",
    )


class RolloutOut(BaseModel):
    cluster: str
    idc: str
    namespace: str
    wave: int = Field(description="the wave of the plan it belongs to (from 0)")
    phase: RolloutPhase
    replicas: int
    progress: dict[str, Any]
    error: str | None
    started_at: datetime | None = Field(description="when its wave started it")
    finished_at: datetime | None = Field(description="when it reached its last phase")
    updated_at: datetime


class Decision(BaseModel):
    """An approval or a rejection of a release the environment's policy holds."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"comment": "checked the canary"}]}
    )

    comment: str = Field("", max_length=1000)


class ApprovalOut(BaseModel):
    """The hold the environment's policy put on the release, and who decided."""

    approvers: str = Field(description="who the policy lets approve, in words")
    four_eyes: bool = Field(description="the requester may not approve it")
    wave: int | None = Field(
        None, description="the wave whose gate it is (from 0); absent: before any wave"
    )
    reason: str | None = Field(
        None, description="why it waits, when not a gate: the wave's analysis was inconclusive"
    )
    decision: Literal["approved", "rejected"] | None = None
    by: str | None = None
    comment: str = ""
    at: datetime | None = None


class WaveOut(BaseModel):
    name: str
    clusters: list[str]
    max_parallel: int
    soak_s: float
    gate: Gate
    state: WaveState
    started_at: datetime | None
    done_at: datetime | None = Field(description="every cluster of it done")
    soak_until: datetime | None
    decision: ApprovalOut | None = Field(description="its gate's approval or rejection")
    analysis: WaveAnalysis | None = Field(
        None, description="how its metrics were judged while it soaked (samples: …/analysis)"
    )


class PlanOut(BaseModel):
    """The plan as resolved before the release started, and how far it got."""

    waves: list[WaveOut]
    failure: FailurePolicy
    current: int = Field(description="the wave the release is in (from 0)")
    held: str | None = Field(description="why it does not move on now (a freeze window)")
    stopping: str | None = Field(description="why it starts no more clusters (failures)")
    freeze_override: str | None
    analysis: AnalysisTemplate | None = Field(None, description="the checks each wave is judged by")


_AT = "2026-12-05T09:30:00Z"
JsonDict = dict[str, Any]


def _rollout(cluster: str, idc: str, wave: int, phase: str, done: bool) -> JsonDict:
    return {
        "cluster": cluster,
        "idc": idc,
        "namespace": "shop-prod",
        "wave": wave,
        "phase": phase,
        "replicas": 4,
        "progress": {"desired": 4, "updated": 4, "ready": 4 if done else 2},
        "error": None,
        "started_at": _AT,
        "finished_at": "2026-12-05T09:31:40Z" if done else None,
        "updated_at": "2026-12-05T09:31:40Z",
    }


class ReleaseOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                    "app": "shop",
                    "env": "prod",
                    "image": "registry.example.com/shop:2.4.1",
                    "strategy": "rolling",
                    "phase": "running",
                    "debug": False,
                    "rollback_of": None,
                    "requested_by": "ada",
                    "approval": None,
                    "created_at": _AT,
                    "finished_at": None,
                    "plan": {
                        "waves": [
                            {
                                "name": "canary",
                                "clusters": ["idc-a-1"],
                                "max_parallel": 1,
                                "soak_s": 300,
                                "gate": "auto",
                                "state": "succeeded",
                                "started_at": _AT,
                                "done_at": "2026-12-05T09:31:40Z",
                                "soak_until": "2026-12-05T09:36:40Z",
                                "decision": None,
                            },
                            {
                                "name": "rest",
                                "clusters": ["idc-a-2", "idc-b-1"],
                                "max_parallel": 2,
                                "soak_s": 0,
                                "gate": "auto",
                                "state": "running",
                                "started_at": "2026-12-05T09:36:41Z",
                                "done_at": None,
                                "soak_until": None,
                                "decision": None,
                            },
                        ],
                        "failure": {"on_failure": "pause"},
                        "current": 1,
                        "held": None,
                        "stopping": None,
                        "freeze_override": None,
                    },
                    "clusters": [
                        _rollout("idc-a-1", "idc-a", 0, "succeeded", True),
                        _rollout("idc-a-2", "idc-a", 1, "waiting-ready", False),
                        _rollout("idc-b-1", "idc-b", 1, "waiting-ready", False),
                    ],
                    "follow": "/v1/apps/shop/releases/0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4/events",
                }
            ]
        }
    )

    id: uuid.UUID
    app: str
    env: str
    image: str
    strategy: Strategy
    phase: ReleasePhase
    debug: bool
    rollback_of: uuid.UUID | None
    requested_by: str
    approval: ApprovalOut | None = Field(
        None, description="set when the environment's policy held the release for approval"
    )
    created_at: datetime
    finished_at: datetime | None
    plan: PlanOut
    clusters: list[RolloutOut]
    follow: str = Field(description="Server-Sent Events of this release's progress")


class ReleasePage(BaseModel):
    items: list[ReleaseOut]
    next_cursor: str | None


class SampleOut(BaseModel):
    wave: int
    canary: str = Field(description="the cluster whose gray step it judged; empty: the wave's")
    check: str
    sample: int = Field(description="its number within the check, from 1")
    at: datetime
    values: dict[str, float | None] = Field(description="per cluster; null: no data")
    verdicts: dict[str, Verdict] = Field(description="per cluster")
    wave_value: float | None
    wave_verdict: Verdict | None = Field(description="the wave as a whole")
    verdict: Verdict = Field(description="the sample as a whole")
    error: str | None = Field(description="why it could not be measured (inconclusive)")


class AnalysisOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "release_id": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                    "samples": [
                        {
                            "wave": 0,
                            "canary": "",
                            "check": "errors",
                            "sample": 1,
                            "at": "2026-12-05T09:30:00Z",
                            "values": {"idc-a-1": 0.002},
                            "verdicts": {"idc-a-1": "passed"},
                            "wave_value": 0.002,
                            "wave_verdict": "passed",
                            "verdict": "passed",
                            "error": None,
                        }
                    ],
                }
            ]
        }
    )

    release_id: uuid.UUID
    samples: list[SampleOut]
