"""Automated analysis: the checks a release's clusters are judged by while they soak.

An **analysis template** is a list of checks. Each check measures one thing every `interval_s`
seconds, `count` times, over the last `window_s` seconds each time, and judges every sample
against a **condition** for each scope it names:

- `cluster`: each cluster of the wave alone;
- `wave`: the wave as a whole — the ratio or quantile over every cluster of the wave together,
  so a wave fails when the fleet-level figure fails even if no single cluster does;
- `canary`: during a gray step, the gray pods minus the stable pods of the same cluster (a
  difference, not a threshold alone: a version is compared with the one it replaces).

A condition passes a value within `[min, max]`; a value beyond a bound by at most `band` is
*inconclusive*; farther is *failed*. A sample with no data (no traffic, no series) is judged
`no_data` (default inconclusive); a sample that could not be taken (monitor-gateway or
Prometheus unreachable, a query refused) is always inconclusive, never passed.

A check *fails* once more than `failure_limit` of its samples failed (at once: nothing waits for
the remaining samples), is *inconclusive* once more than `inconclusive_limit` were inconclusive,
and *passes* after `count` samples otherwise. The analysis of a wave passes when every check
passed; fails when one failed (the clusters it failed in, or the whole wave for a `wave`
condition, are put back at once and the release's failure policy applies); is inconclusive
otherwise (the release waits for a person, as at an approval gate).

Metrics (`metric`), each measured through monitor-gateway (which owns Prometheus and alerts):

- `http_5xx_ratio`: answers with a 5xx status / all answers, through the unified ingress
  (k8s-sync counts HAProxy's request log per app, cluster and stage);
- `http_p99_latency_s`: the 99th percentile of the time the ingress was busy with a request;
- `restarts`: container restarts of the release's pods (kube-state-metrics);
- `oom_kills`: containers of the release's pods whose last termination was OOMKilled;
- `alerts_firing`: monitor-gateway's alerts of the app firing now.

A custom check gives `promql` instead: a query that yields one number per cluster, with `$app`,
`$env`, `$cluster`, `$stage`, `$version` and each `$<param>` replaced by a PromQL string
literal (quoted and escaped by monitor-gateway, never pasted as text). Or a `webhook`, on
Flagger's hook contract: monitor-gateway POSTs `{"name": app, "namespace": env, "phase",
"metadata": {"cluster", "version", ...}}` once per cluster per sample; the value is 1 when it
answers 2xx, else 0 (`confirm-promotion`: passes at 1; `rollback`: the hook asks for a rollback
with 2xx, so it passes at 0); a hook that cannot be reached makes the sample inconclusive.
Only admins may define a custom check (an environment's policy, or a release an admin
creates): PromQL reads every team's series, and a webhook is a request from inside the
platform to an address someone chose.

Where analysis runs: after each wave, while it soaks (the soak lasts at least as long as the
analysis), and during a gray step when a `canary` condition is given.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StringConstraints,
    model_validator,
)

from flotilla_contracts.names import NAME_MAX, NAME_PATTERN

Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)]
ParamKey = Annotated[
    str, StringConstraints(min_length=1, max_length=63, pattern=r"^[a-z_][a-z0-9_]*$")
]
ParamValue = Annotated[str, StringConstraints(max_length=1024)]
PLACEHOLDERS = ("app", "env", "cluster", "stage", "version")
_PLACEHOLDER = re.compile(r"\$([a-z_][a-z0-9_]*)")


class Metric(StrEnum):
    HTTP_5XX_RATIO = "http_5xx_ratio"
    HTTP_P99_LATENCY = "http_p99_latency_s"
    RESTARTS = "restarts"
    OOM_KILLS = "oom_kills"
    ALERTS_FIRING = "alerts_firing"


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"


class Webhook(BaseModel):
    """A hook asked once per cluster per sample (Flagger's contract)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(max_length=2000, pattern=r"^https?://[^\s@]+$", description="no credentials")
    phase: Literal["confirm-promotion", "rollback"] = "confirm-promotion"
    metadata: dict[ParamKey, ParamValue] = Field(default_factory=dict, max_length=20)
    timeout_s: StrictFloat = Field(5, gt=0, le=30)


class Condition(BaseModel):
    """Pass within [min, max]; inconclusive up to `band` beyond a bound; failed farther."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: StrictFloat | None = Field(None, description="lowest value that passes")
    max: StrictFloat | None = Field(None, description="highest value that passes")
    band: StrictFloat = Field(
        0, ge=0, description="how far beyond a bound a value is inconclusive, not failed"
    )

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("a condition needs min or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        return self

    def judge(self, value: float) -> Verdict:
        beyond = 0.0
        if self.max is not None and value > self.max:
            beyond = value - self.max
        elif self.min is not None and value < self.min:
            beyond = self.min - value
        if beyond <= 0:
            return Verdict.PASSED
        return Verdict.INCONCLUSIVE if beyond <= self.band else Verdict.FAILED


class Check(BaseModel):
    """One metric, sampled `count` times every `interval_s`, judged per scope."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "errors",
                    "metric": "http_5xx_ratio",
                    "interval_s": 5,
                    "count": 6,
                    "cluster": {"max": 0.05},
                    "wave": {"max": 0.01, "band": 0.005},
                },
                {
                    "name": "queue-depth",
                    "promql": "max(shop_queue_depth{cluster=$cluster, queue=$queue})",
                    "params": {"queue": "orders"},
                    "cluster": {"max": 1000},
                },
            ]
        },
    )

    name: Name
    metric: Metric | None = Field(None, description="a built-in measurement")
    promql: str | None = Field(
        None,
        min_length=1,
        max_length=4000,
        description="a custom query yielding one number per cluster (admins only); $app, $env, "
        "$cluster, $stage, $version and $<param> become quoted string literals",
    )
    params: dict[ParamKey, ParamValue] = Field(
        default_factory=dict, max_length=20, description="values for $<param> in promql"
    )
    webhook: Webhook | None = Field(
        None,
        description="a hook answering 2xx or not (admins only); default condition: "
        "confirm-promotion passes at 1, rollback at 0",
    )
    interval_s: StrictFloat = Field(10, ge=1, le=3600, description="between samples")
    count: StrictInt = Field(6, ge=1, le=1000, description="samples taken")
    window_s: StrictFloat | None = Field(
        None, ge=2, le=86_400, description="each sample covers this much (default: interval_s)"
    )
    cluster: Condition | None = Field(None, description="each cluster of the wave alone")
    wave: Condition | None = Field(None, description="the wave's clusters together")
    canary: Condition | None = Field(
        None, description="during a gray step: gray pods minus stable pods of the cluster"
    )
    failure_limit: StrictInt = Field(0, ge=0, le=1000, description="failed samples tolerated")
    inconclusive_limit: StrictInt = Field(
        0, ge=0, le=1000, description="inconclusive samples tolerated"
    )
    no_data: Literal["passed", "inconclusive", "failed"] = Field(
        "inconclusive", description="how a sample with no data (no traffic, no series) counts"
    )

    @model_validator(mode="before")
    @classmethod
    def _webhook_condition(cls, data: object) -> object:
        """A webhook check without a condition gets its phase's: 2xx means go on, or roll back."""
        if isinstance(data, dict) and isinstance(data.get("webhook"), dict):
            if not any(data.get(k) is not None for k in ("cluster", "wave", "canary")):
                rollback = data["webhook"].get("phase") == "rollback"
                data = {**data, "cluster": {"max": 0.0} if rollback else {"min": 1.0}}
        return data

    @model_validator(mode="after")
    def _shape(self) -> Self:
        given = [k for k in ("metric", "promql", "webhook") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "a check measures one thing: exactly one of metric, promql and webhook"
            )
        if self.webhook is not None and (self.wave is not None or self.canary is not None):
            raise ValueError("a webhook answers per cluster: a cluster condition only")
        if self.cluster is None and self.wave is None and self.canary is None:
            raise ValueError("a check needs a condition: cluster, wave or canary")
        if self.promql is not None:
            if self.wave is not None:
                raise ValueError("a promql check yields one number per cluster: no wave condition")
            unknown = sorted(
                {m for m in _PLACEHOLDER.findall(self.promql)}
                - set(PLACEHOLDERS)
                - set(self.params)
            )
            if unknown:
                raise ValueError(f"promql names unknown parameters: {', '.join(unknown)}")
        elif self.params:
            raise ValueError("params are for promql checks")
        if self.canary is not None and self.metric not in (
            Metric.HTTP_5XX_RATIO,
            Metric.HTTP_P99_LATENCY,
        ):
            raise ValueError("a canary condition compares ingress traffic: http metrics only")
        return self

    @property
    def window(self) -> float:
        return self.window_s if self.window_s is not None else max(2.0, self.interval_s)

    @property
    def custom(self) -> bool:
        return self.promql is not None or self.webhook is not None


class AnalysisTemplate(BaseModel):
    """The checks a release's clusters are judged by (flotilla_contracts.analysis)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "checks": [
                        {
                            "name": "errors",
                            "metric": "http_5xx_ratio",
                            "cluster": {"max": 0.05},
                            "wave": {"max": 0.01},
                        },
                        {
                            "name": "latency",
                            "metric": "http_p99_latency_s",
                            "cluster": {"max": 0.5},
                        },
                        {"name": "restarts", "metric": "restarts", "cluster": {"max": 0}},
                    ]
                }
            ]
        },
    )

    checks: tuple[Check, ...] = Field(max_length=20, description="an empty list: no analysis")

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError("check names must be unique")
        return self

    @property
    def custom(self) -> bool:
        return any(c.custom for c in self.checks)

    @property
    def canary(self) -> bool:
        return any(c.canary is not None for c in self.checks)

    @property
    def soak_checks(self) -> tuple[Check, ...]:
        """The checks a soaking wave is judged by (a cluster or wave condition)."""
        return tuple(c for c in self.checks if c.cluster is not None or c.wave is not None)

    @property
    def canary_checks(self) -> tuple[Check, ...]:
        """The checks a gray step is judged by (a canary condition)."""
        return tuple(c for c in self.checks if c.canary is not None)


def combine(verdicts: list[Verdict]) -> Verdict:
    """Failed if any failed, else inconclusive if any was, else passed."""
    if Verdict.FAILED in verdicts:
        return Verdict.FAILED
    if Verdict.INCONCLUSIVE in verdicts:
        return Verdict.INCONCLUSIVE
    return Verdict.PASSED
