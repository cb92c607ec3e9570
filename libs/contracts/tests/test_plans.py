"""Release plans: what a plan means against an environment, and every way one is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flotilla_contracts.plans import (
    FailurePolicy,
    OnFailure,
    PlanCluster,
    PlanError,
    ReleasePlan,
    resolve,
)

# Six clusters in three IDCs, as the e2e test runs them.
FLEET = [
    PlanCluster("a1", "idc-a", {"tier": "canary"}),
    PlanCluster("a2", "idc-a"),
    PlanCluster("b1", "idc-b"),
    PlanCluster("b2", "idc-b"),
    PlanCluster("c1", "idc-c", {"tier": "edge"}),
    PlanCluster("c2", "idc-c", {"tier": "edge"}),
]


def plan(*waves: dict[str, object], **failure: object) -> ReleasePlan:
    return ReleasePlan.model_validate({"waves": list(waves), "failure": failure or {}})


def test_canary_then_an_idc_then_the_rest() -> None:
    waves = resolve(
        plan(
            {"name": "canary", "clusters": ["a1"], "soak_s": 30, "gate": "approval"},
            {"idc": "idc-b", "max_parallel": 1},
            {"rest": True},
        ),
        FLEET,
    )
    assert [(w.name, w.clusters, w.max_parallel, w.gate) for w in waves] == [
        ("canary", ("a1",), 1, "approval"),
        ("wave-2", ("b1", "b2"), 1, "auto"),
        ("wave-3", ("a2", "c1", "c2"), 3, "auto"),
    ]
    assert waves[0].soak_s == 30


def test_labels_count_and_percent_take_from_what_is_left_in_name_order() -> None:
    waves = resolve(
        plan({"labels": {"tier": "edge"}}, {"count": 1}, {"percent": 50}, {"rest": True}), FLEET
    )
    assert [w.clusters for w in waves] == [("c1", "c2"), ("a1",), ("a2", "b1"), ("b2",)]
    # percent rounds up: 34 % of 3 left is 2
    waves = resolve(plan({"count": 3}, {"percent": 34}, {"rest": True}), FLEET)
    assert [w.clusters for w in waves] == [("a1", "a2", "b1"), ("b2", "c1"), ("c2",)]


@pytest.mark.parametrize(
    ("waves", "message"),
    [
        ([{"clusters": ["zz"]}, {"rest": True}], r"waves\[0\]\.clusters: zz is not a cluster"),
        (
            [{"idc": "idc-a"}, {"clusters": ["a1"]}, {"rest": True}],
            r"waves\[1\]\.clusters: a1 is in waves\[0\] already",
        ),
        ([{"clusters": ["a1", "a1"]}, {"rest": True}], r"named twice"),
        ([{"idc": "idc-z"}, {"rest": True}], r"waves\[0\]\.idc: no cluster .* IDC idc-z"),
        ([{"labels": {"tier": "gold"}}, {"rest": True}], r"waves\[0\]: picks no cluster"),
        ([{"rest": True}, {"rest": True}], r"waves\[1\]: picks no cluster"),
        ([{"count": 7}], r"waves\[0\]\.count: 7 more clusters, 6 are left"),
        ([{"idc": "idc-a"}], r"clusters in no wave: b1, b2, c1, c2"),
        ([{"name": "wave-2", "count": 1}, {"rest": True}], r"wave names must be unique"),
    ],
)
def test_a_plan_that_does_not_fit_the_environment_names_the_wave(
    waves: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        resolve(plan(*waves), FLEET)


@pytest.mark.parametrize(
    ("wave", "field"),
    [
        ({"percent": 120}, "percent"),
        ({"percent": 0}, "percent"),
        ({"rest": True, "max_parallel": 0}, "max_parallel"),
        ({"rest": True, "soak_s": -1}, "soak_s"),
        ({"rest": True, "gate": "maybe"}, "gate"),
        ({"idc": "idc-a", "rest": True}, "exactly one of"),
        ({}, "exactly one of"),
        ({"clusters": ["Not_A_Name"]}, "clusters"),
        ({"rest": True, "colour": "red"}, "colour"),
    ],
)
def test_a_malformed_wave_is_refused_naming_the_field(wave: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        plan(wave)


def test_the_failure_policy_and_its_budget() -> None:
    assert FailurePolicy().on_failure == OnFailure.PAUSE
    assert FailurePolicy().allowed(20) == 0
    assert FailurePolicy(on_failure=OnFailure.CONTINUE, budget=2).allowed(20) == 2
    assert FailurePolicy(on_failure=OnFailure.CONTINUE, budget_percent=10).allowed(25) == 2
    with pytest.raises(ValidationError, match="continue needs a budget"):
        FailurePolicy(on_failure=OnFailure.CONTINUE)
    with pytest.raises(ValidationError, match="a budget is for on_failure: continue"):
        FailurePolicy(on_failure=OnFailure.PAUSE, budget=1)
    with pytest.raises(ValidationError, match="not both"):
        FailurePolicy(on_failure=OnFailure.CONTINUE, budget=1, budget_percent=5)
    with pytest.raises(ValidationError, match="waves"):
        ReleasePlan.model_validate({"waves": []})
