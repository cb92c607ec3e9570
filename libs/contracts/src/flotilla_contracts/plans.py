"""How a release walks an environment's clusters: a plan of waves, and when it may not move.

A **plan** is an ordered list of waves. Each wave picks clusters — by name, by IDC, by
cluster-registry labels, as `count` more or `percent` % of the clusters not picked yet, or
`rest` — and says how many of them roll out at once (`max_parallel`), how long to watch the
wave once every cluster of it is done (`soak_s`), and whether a person must say "go" before the
next wave starts (`gate: approval`). A release names its plan, or gets its environment's
default plan, or — neither — one wave of every cluster at once (what a release always did).
release-api resolves the plan against the environment before anything starts: every cluster in
exactly one wave, no wave empty, or the release is refused naming the wave.

Within a wave each cluster is its own rollout with the release's strategy. A cluster that fails
is put back alone, as always; `failure` says what the release does next: `pause` (stop before
the next wave and wait for a person: resume goes on), `rollback` (put back every cluster this
release already changed, newest first), or `continue` while at most `budget` clusters (or
`budget_percent` % of them) failed, then `beyond_budget` (`pause` or `rollback`).

**Freeze windows** (an environment's): a cron expression for when each window starts, its
length, its time zone and why. A release that would start inside one is refused, naming it
(an admin may override with a reason, which is audited); a release already running holds at
its next wave boundary until the window ends. Rollbacks are never frozen. The cron syntax is
checked where windows are stored (cluster-registry), with flotilla_runtime.freeze; this module
keeps to pydantic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
    model_validator,
)

from flotilla_contracts.names import LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, NAME_MAX, NAME_PATTERN

Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)]
LabelKey = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=LABEL_KEY_PATTERN)
]
LabelValue = Annotated[str, StringConstraints(max_length=63, pattern=LABEL_VALUE_PATTERN)]
SELECTORS = ("clusters", "idc", "labels", "count", "percent", "rest")


class Gate(StrEnum):
    AUTO = "auto"
    APPROVAL = "approval"  # a person the environment's approval rule names says "go"


class Wave(BaseModel):
    """Which clusters, how many at once, how long to watch them, and who says "go"."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "canary", "clusters": ["idc-a-1"], "soak_s": 300, "gate": "approval"},
                {"idc": "idc-b", "max_parallel": 1},
                {"rest": True},
            ]
        },
    )

    name: Name | None = Field(None, description="default: wave-<its number, from 1>")
    clusters: tuple[Name, ...] | None = Field(
        None, min_length=1, max_length=1000, description="these clusters, by name"
    )
    idc: Name | None = Field(None, description="every cluster of this IDC not picked yet")
    labels: dict[LabelKey, LabelValue] | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="every cluster not picked yet whose cluster-registry labels include these",
    )
    count: StrictInt | None = Field(
        None, ge=1, le=1000, description="this many more of the clusters not picked yet"
    )
    percent: StrictFloat | None = Field(
        None,
        gt=0,
        le=100,
        description="this share (rounded up) of the clusters not picked yet",
    )
    rest: StrictBool = Field(False, description="every cluster not picked yet")
    max_parallel: StrictInt | None = Field(
        None, ge=1, le=1000, description="clusters rolling out at once (default: all of the wave)"
    )
    soak_s: StrictFloat = Field(
        0, ge=0, le=86_400, description="watch the wave this long once every cluster is done"
    )
    gate: Gate = Field(Gate.AUTO, description="approval: a person says go before the next wave")

    @model_validator(mode="after")
    def _one_selector(self) -> Self:
        given = [s for s in SELECTORS if getattr(self, s) not in (None, False)]
        if len(given) != 1:
            raise ValueError(
                "a wave picks its clusters one way: exactly one of clusters, idc, labels, "
                f"count, percent, rest (given: {', '.join(given) or 'none'})"
            )
        return self

    @property
    def selector(self) -> str:
        return next(s for s in SELECTORS if getattr(self, s) not in (None, False))


class OnFailure(StrEnum):
    PAUSE = "pause"
    ROLLBACK = "rollback"
    CONTINUE = "continue"


class FailurePolicy(BaseModel):
    """What the release does when a cluster fails (that cluster is put back in every case)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"on_failure": "pause"},
                {"on_failure": "continue", "budget": 1, "beyond_budget": "rollback"},
            ]
        },
    )

    on_failure: OnFailure = Field(
        OnFailure.PAUSE,
        description="pause: stop before the next wave; rollback: put back every cluster "
        "changed, newest first; continue: go on within the budget",
    )
    budget: StrictInt | None = Field(
        None, ge=0, le=1000, description="continue: clusters that may fail"
    )
    budget_percent: StrictFloat | None = Field(
        None, ge=0, le=100, description="continue: share of the clusters that may fail"
    )
    beyond_budget: Literal[OnFailure.PAUSE, OnFailure.ROLLBACK] = Field(
        OnFailure.PAUSE, description="continue: what happens once the budget is spent"
    )

    @model_validator(mode="after")
    def _budget_with_continue(self) -> Self:
        has_budget = self.budget is not None or self.budget_percent is not None
        if self.on_failure == OnFailure.CONTINUE and not has_budget:
            raise ValueError("continue needs a budget: budget or budget_percent")
        if self.on_failure != OnFailure.CONTINUE and has_budget:
            raise ValueError("a budget is for on_failure: continue")
        if self.budget is not None and self.budget_percent is not None:
            raise ValueError("give budget or budget_percent, not both")
        return self

    @property
    def when_stopping(self) -> OnFailure:
        """What the release does once more clusters failed than allowed: pause or rollback."""
        if self.on_failure == OnFailure.CONTINUE:
            return OnFailure(self.beyond_budget)
        return self.on_failure

    def allowed(self, clusters: int) -> int:
        """How many of `clusters` may fail before the release stops going on."""
        if self.on_failure != OnFailure.CONTINUE:
            return 0
        if self.budget is not None:
            return self.budget
        return int((self.budget_percent or 0) * clusters / 100)


class ReleasePlan(BaseModel):
    """Waves in order, and the failure policy (see the module's documentation)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "waves": [
                        {"name": "canary", "clusters": ["idc-a-1"], "soak_s": 60},
                        {"name": "idc-b", "idc": "idc-b", "max_parallel": 1, "gate": "approval"},
                        {"name": "rest", "rest": True},
                    ],
                    "failure": {"on_failure": "pause"},
                }
            ]
        },
    )

    waves: tuple[Wave, ...] = Field(min_length=1, max_length=50)
    failure: FailurePolicy = Field(default_factory=FailurePolicy)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [w.name for w in self.waves if w.name]
        if len(set(names)) != len(names):
            raise ValueError("wave names must be unique")
        return self


class PlannedWave(BaseModel):
    """A wave resolved against an environment: the clusters it holds, in order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    clusters: tuple[Name, ...]
    max_parallel: int = Field(ge=1)
    soak_s: float = Field(ge=0)
    gate: Gate


class FreezeWindow(BaseModel):
    """When releases may not start or move to a new wave (see the module's documentation)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "weekend",
                    "cron": "0 18 * * 5",
                    "duration_s": 216_000,
                    "timezone": "Europe/Paris",
                    "reason": "no production changes over the weekend",
                }
            ]
        },
    )

    name: Name
    cron: str = Field(
        min_length=9,
        max_length=100,
        pattern=r"^[0-9*,/\-A-Za-z ]+$",
        description="when each window starts: minute hour day-of-month month day-of-week",
    )
    duration_s: StrictInt = Field(ge=60, le=30 * 86_400, description="how long each window lasts")
    timezone: str = Field(
        "UTC", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$", description="IANA"
    )
    reason: str = Field(min_length=1, max_length=500)


# --- resolving a plan against an environment -----------------------------------------------


@dataclass(frozen=True)
class PlanCluster:
    """A cluster of the environment as a plan sees it."""

    name: str
    idc: str
    labels: Mapping[str, str] = field(default_factory=dict)


class PlanError(ValueError):
    """The plan does not fit the environment; the message names the wave (`waves[i]`)."""


def resolve(plan: ReleasePlan, clusters: Sequence[PlanCluster]) -> tuple[PlannedWave, ...]:
    """The plan's waves with their clusters: every cluster in exactly one wave, none empty.

    Selectors take from the clusters no earlier wave took, in name order (`count`, `percent`:
    the first ones; `percent` rounds up); `clusters` must name clusters of the environment that
    no earlier wave took."""
    known = {c.name: c for c in clusters}
    order = sorted(known)
    taken: dict[str, int] = {}
    waves: list[PlannedWave] = []
    for index, wave in enumerate(plan.waves):
        where = f"waves[{index}]" + (f" ({wave.name})" if wave.name else "")
        left = [known[n] for n in order if n not in taken]
        chosen = _select(wave, where, left, known, taken)
        if not chosen:
            raise PlanError(f"{where}: picks no cluster ({wave.selector} matches none left)")
        for cluster in chosen:
            taken[cluster.name] = index
        waves.append(
            PlannedWave(
                name=wave.name or f"wave-{index + 1}",
                clusters=tuple(c.name for c in chosen),
                max_parallel=min(wave.max_parallel or len(chosen), len(chosen)),
                soak_s=wave.soak_s,
                gate=wave.gate,
            )
        )
    names = [w.name for w in waves]
    if len(set(names)) != len(names):
        raise PlanError(f"wave names must be unique: {', '.join(names)}")
    missing = [n for n in order if n not in taken]
    if missing:
        raise PlanError(
            f"clusters in no wave: {', '.join(missing)} (a last wave with rest: true takes them)"
        )
    return tuple(waves)


def _select(
    wave: Wave,
    where: str,
    left: list[PlanCluster],
    known: Mapping[str, PlanCluster],
    taken: Mapping[str, int],
) -> list[PlanCluster]:
    if wave.clusters is not None:
        if len(set(wave.clusters)) != len(wave.clusters):
            raise PlanError(f"{where}.clusters: a cluster is named twice")
        for name in wave.clusters:
            if name not in known:
                raise PlanError(f"{where}.clusters: {name} is not a cluster of the environment")
            if name in taken:
                raise PlanError(f"{where}.clusters: {name} is in waves[{taken[name]}] already")
        return [known[n] for n in wave.clusters]
    if wave.idc is not None:
        if not any(c.idc == wave.idc for c in known.values()):
            raise PlanError(f"{where}.idc: no cluster of the environment is in IDC {wave.idc}")
        return [c for c in left if c.idc == wave.idc]
    if wave.labels is not None:
        wanted = wave.labels
        return [c for c in left if all(c.labels.get(k) == v for k, v in wanted.items())]
    if wave.count is not None:
        if wave.count > len(left):
            raise PlanError(f"{where}.count: {wave.count} more clusters, {len(left)} are left")
        return left[: wave.count]
    if wave.percent is not None:
        return left[: math.ceil(len(left) * wave.percent / 100)]
    return left  # rest
