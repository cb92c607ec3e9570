"""What a rollout step asks of the analysis (release_api.analysis.gates): pure reads of the
release's plan, so plain objects; the end-to-end behaviour is tests/test_fleet_waves.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from flotilla_contracts.analysis import AnalysisTemplate, Verdict
from release_api.analysis.gates import canary_verdict, holds_old_colour
from release_api.models import Release, Rollout
from release_api.plans.state import PlanState, WaveAnalysis, WaveProgress, single_wave

NOW = datetime(2026, 12, 5, tzinfo=UTC)
SOAK = {"name": "errors", "metric": "http_5xx_ratio", "cluster": {"max": 0.05}}
CANARY = {"name": "canary", "metric": "http_5xx_ratio", "canary": {"max": 0.05}}


def plan(*checks: dict[str, Any], waves: int = 1) -> PlanState:
    state = single_wave(["idc-a-1"])
    state.progress = [WaveProgress() for _ in range(waves)]
    if checks:
        state.analysis = AnalysisTemplate.model_validate({"checks": list(checks)})
    return state


def release(
    state: PlanState | None, *, strategy: str = "blue-green", phase: str = "running"
) -> Release:
    return Release(
        id=uuid.uuid4(),
        app="web",
        env="prod",
        # a string built at run time, as the database gives it (not the interned literal)
        strategy="".join(list(strategy)),
        phase=phase,
        plan=state.model_dump(mode="json") if state is not None else None,
    )


def rollout(wave: int = 0, cluster: str = "idc-a-1") -> Rollout:
    return Rollout(id=1, cluster=cluster, namespace="web", wave=wave, progress={})


def judged(verdict: Verdict | None, reason: str | None = None) -> WaveAnalysis:
    return WaveAnalysis(state=verdict, started_at=NOW, reason=reason)


def test_the_old_colour_is_kept_until_the_waves_analysis_lets_it_go() -> None:
    state = plan(SOAK)
    assert holds_old_colour(release(state), rollout())  # not judged yet
    state.progress[0].analysis = judged(None)
    assert holds_old_colour(release(state), rollout())  # running
    for verdict in (Verdict.FAILED, Verdict.INCONCLUSIVE):
        state.progress[0].analysis = judged(verdict)
        assert holds_old_colour(release(state), rollout()), verdict
    state.progress[0].analysis = judged(Verdict.PASSED)
    assert not holds_old_colour(release(state), rollout())


def test_the_old_colour_goes_as_usual_without_soak_analysis() -> None:
    assert not holds_old_colour(release(None), rollout())  # a release from before plans
    assert not holds_old_colour(release(plan()), rollout())  # no analysis at all
    assert not holds_old_colour(release(plan(CANARY)), rollout())  # canary checks only


def test_the_old_colour_goes_once_the_release_is_decided() -> None:
    state = plan(SOAK)
    assert holds_old_colour(release(state, phase="waiting-approval"), rollout())
    for phase in ("paused", "succeeded", "failed", "partially-failed", "aborted"):
        assert not holds_old_colour(release(state, phase=phase), rollout()), phase


def test_a_rollout_of_a_wave_the_plan_does_not_have_is_not_held() -> None:
    state = plan(SOAK, waves=2)
    assert holds_old_colour(release(state), rollout(wave=1))
    assert not holds_old_colour(release(state), rollout(wave=2))
    assert not holds_old_colour(release(state), rollout(wave=3))


def test_a_gray_step_under_analysis_is_decided_by_its_verdict() -> None:
    state = plan(CANARY)
    assert canary_verdict(release(state, strategy="gray"), rollout()) == (None, "")  # no sample
    state.canary["idc-a-1"] = judged(Verdict.FAILED, "5xx 0.2 > 0.05")
    assert canary_verdict(release(state, strategy="gray"), rollout()) == (
        Verdict.FAILED,
        "5xx 0.2 > 0.05",
    )
    state.canary["idc-a-1"] = judged(Verdict.PASSED)
    assert canary_verdict(release(state, strategy="gray"), rollout()) == (Verdict.PASSED, "")
    # another cluster's verdict is not this one's
    assert canary_verdict(release(state, strategy="gray"), rollout(cluster="idc-b-1")) == (
        None,
        "",
    )


def test_only_an_analysed_gray_step_has_a_canary_verdict() -> None:
    state = plan(CANARY)
    state.canary["idc-a-1"] = judged(Verdict.PASSED)
    for strategy in ("rolling", "blue-green"):
        assert canary_verdict(release(state, strategy=strategy), rollout()) is None, strategy
    assert canary_verdict(release(None, strategy="gray"), rollout()) is None
    assert canary_verdict(release(plan(), strategy="gray"), rollout()) is None
    assert canary_verdict(release(plan(SOAK), strategy="gray"), rollout()) is None
