"""How samples are judged and checks reach verdicts (release_api.analysis.judge)."""

from __future__ import annotations

import pytest

from flotilla_contracts.analysis import AnalysisTemplate, Check, Verdict
from release_api.analysis.judge import Measured, count, judge
from release_api.plans.state import CheckProgress

ERRORS = Check.model_validate(
    {
        "name": "errors",
        "metric": "http_5xx_ratio",
        "count": 3,
        "cluster": {"max": 0.05},
        "wave": {"max": 0.01, "band": 0.005},
    }
)
CLUSTERS = ["a1", "a2", "a3"]


def test_a_cluster_beyond_its_bound_fails_alone() -> None:
    judged = judge(ERRORS, CLUSTERS, Measured({"a1": 0.0, "a2": 0.2, "a3": 0.0}, wave=0.012))
    assert judged.verdicts == {"a1": "passed", "a2": "failed", "a3": "passed"}
    assert judged.wave == Verdict.INCONCLUSIVE  # within the band above 1 %
    assert judged.verdict == Verdict.FAILED
    assert judged.failed_clusters == ("a2",)


def test_the_wave_fails_as_a_whole_when_no_cluster_does() -> None:
    judged = judge(ERRORS, CLUSTERS, Measured({"a1": 0.02, "a2": 0.02, "a3": 0.02}, wave=0.02))
    assert set(judged.verdicts.values()) == {Verdict.PASSED}
    assert judged.wave == Verdict.FAILED
    assert judged.failed_clusters == tuple(CLUSTERS)


@pytest.mark.parametrize("no_data", ["passed", "inconclusive", "failed"])
def test_no_data_counts_as_the_check_says(no_data: str) -> None:
    check = ERRORS.model_copy(update={"no_data": no_data, "wave": None})
    judged = judge(check, ["a1"], Measured({"a1": None}))
    assert judged.verdict == Verdict(no_data)


def test_a_sample_that_could_not_be_taken_is_inconclusive_never_passed() -> None:
    check = ERRORS.model_copy(update={"no_data": "passed"})
    judged = judge(check, CLUSTERS, Measured(error="monitor-gateway answered 503"))
    assert judged.verdict == Verdict.INCONCLUSIVE


def test_a_check_fails_beyond_its_failure_limit_and_passes_after_count() -> None:
    limited = ERRORS.model_copy(update={"failure_limit": 1})
    bad = judge(limited, ["a1"], Measured({"a1": 0.5}, wave=0.0))
    good = judge(limited, ["a1"], Measured({"a1": 0.0}, wave=0.0))
    progress = count(limited, CheckProgress(), bad)
    assert progress.verdict is None
    assert progress.failed == 1
    progress = count(limited, progress, bad)
    assert progress.verdict == Verdict.FAILED
    assert progress.failed_clusters == ["a1"]
    passing = CheckProgress()
    for _ in range(3):
        passing = count(limited, passing, good)
    assert passing.verdict == Verdict.PASSED
    assert passing.samples == 3


def test_templates_refuse_what_cannot_be_measured() -> None:
    with pytest.raises(ValueError, match="exactly one of metric, promql and webhook"):
        Check.model_validate({"name": "x", "cluster": {"max": 1}})
    with pytest.raises(ValueError, match="unknown parameters: route"):
        Check.model_validate({"name": "x", "promql": "up{r=$route}", "cluster": {"max": 1}})
    with pytest.raises(ValueError, match="needs a condition"):
        Check.model_validate({"name": "x", "metric": "restarts"})
    with pytest.raises(ValueError, match="min is above max"):
        Check.model_validate({"name": "x", "metric": "restarts", "cluster": {"min": 2, "max": 1}})
    with pytest.raises(ValueError, match="unique"):
        AnalysisTemplate.model_validate({"checks": [ERRORS.model_dump(), ERRORS.model_dump()]})
