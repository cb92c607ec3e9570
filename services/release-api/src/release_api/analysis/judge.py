"""How samples are judged and how a check reaches its verdict. Pure functions.

A sample is judged per cluster (the check's `cluster` condition; `canary` during a gray step)
and for the wave as a whole (`wave`). A value that is null — no traffic, no series — counts as
the check's `no_data`; a sample that could not be taken at all counts as inconclusive, never as
passed. The sample's own verdict is the worst of its parts (failed > inconclusive > passed).

A check fails once more than `failure_limit` samples failed, is inconclusive once more than
`inconclusive_limit` were inconclusive, and passes after `count` samples otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flotilla_contracts.analysis import Check, Condition, Verdict, combine
from release_api.plans.state import CheckProgress


@dataclass(frozen=True)
class Measured:
    """One measurement as monitor-gateway answered it (or `error`: it could not)."""

    values: dict[str, float | None] = field(default_factory=dict)
    wave: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Judged:
    verdicts: dict[str, Verdict]  # per cluster
    wave: Verdict | None
    verdict: Verdict  # the sample as a whole
    failed_clusters: tuple[str, ...]  # the clusters this sample failed in (all: the wave)


def judge(check: Check, clusters: list[str], measured: Measured, *, canary: bool = False) -> Judged:
    if measured.error is not None:
        unknown = dict.fromkeys(clusters, Verdict.INCONCLUSIVE)
        return Judged(unknown, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE, ())
    per: Condition | None = check.canary if canary else check.cluster
    verdicts: dict[str, Verdict] = {}
    if per is not None:
        for cluster in clusters:
            verdicts[cluster] = _one(check, per, measured.values.get(cluster))
    wave = None
    if check.wave is not None and not canary:
        wave = _one(check, check.wave, measured.wave)
    failed = [c for c, v in verdicts.items() if v == Verdict.FAILED]
    if wave == Verdict.FAILED:
        failed = list(clusters)  # the wave as a whole failed: every cluster of it goes back
    parts = [*verdicts.values(), *([wave] if wave is not None else [])]
    return Judged(verdicts, wave, combine(parts), tuple(failed))


def _one(check: Check, condition: Condition, value: float | None) -> Verdict:
    if value is None:
        return Verdict(check.no_data)
    return condition.judge(value)


def count(check: Check, progress: CheckProgress, judged: Judged) -> CheckProgress:
    """The check's progress after one more sample (a new object), with its verdict when one
    is reached."""
    after = progress.model_copy(deep=True)
    after.samples += 1
    if judged.verdict == Verdict.FAILED:
        after.failed += 1
        after.failed_clusters = sorted(set(after.failed_clusters) | set(judged.failed_clusters))
    elif judged.verdict == Verdict.INCONCLUSIVE:
        after.inconclusive += 1
    if after.failed > check.failure_limit:
        after.verdict = Verdict.FAILED
    elif after.inconclusive > check.inconclusive_limit:
        after.verdict = Verdict.INCONCLUSIVE
    elif after.samples >= check.count:
        after.verdict = Verdict.PASSED
    return after
