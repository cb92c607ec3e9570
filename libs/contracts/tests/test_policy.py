"""Environment policies: who a rule lets through, and what a policy refuses to hold."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from flotilla_contracts.enums import Role
from flotilla_contracts.policy import EnvironmentPolicy, PolicyAction, Rule

DEV = {Role.DEVELOPER}


def test_a_rule_lets_through_its_role_its_teams_and_admins() -> None:
    open_rule = Rule()
    assert open_rule.allows(DEV, {"commerce"})
    assert not open_rule.allows({Role.VIEWER}, {"commerce"})
    assert not open_rule.allows(set(), set())  # a service token holds no role

    sre = Rule(teams=("sre", "ops"))
    assert sre.allows(DEV, {"commerce", "ops"})
    assert not sre.allows(DEV, {"commerce"})
    assert sre.allows({Role.ADMIN}, set())

    admins = Rule(role=Role.ADMIN)
    assert not admins.allows(DEV, {"sre"})
    assert admins.allows({Role.ADMIN, Role.VIEWER}, set())


def test_a_rule_says_in_words_who_it_lets_through() -> None:
    assert Rule().describe() == "developers or admins"
    assert Rule(teams=("sre",)).describe() == "developers of team sre or admins"
    assert Rule(teams=("a", "b")).describe() == "developers of teams a, b or admins"
    assert Rule(role=Role.ADMIN, teams=("sre",)).describe() == "admins"


def test_the_default_policy_holds_nothing_and_allows_developers_everything() -> None:
    policy = EnvironmentPolicy.model_validate({})
    assert not policy.approval.required
    assert policy.approval.four_eyes
    for action in PolicyAction:
        assert policy.rule(action) == Rule()
    held = EnvironmentPolicy.model_validate(
        {"approval": {"required": True, "by": {"teams": ["sre"]}}}
    )
    assert held.rule(PolicyAction.APPROVE).teams == ("sre",)
    assert held.rule(PolicyAction.RELEASE) == Rule()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"release": {"role": "viewer"}}, "release.role"),
        ({"scale": {"teams": ["Not A Team"]}}, "scale.teams.0"),
        ({"scale": {"teams": ["x" * 64]}}, "scale.teams.0"),
        ({"approval": {"required": "maybe"}}, "approval.required"),
        ({"deploy": {}}, "deploy"),
        ({"control": {"role": "developer", "people": ["ada"]}}, "control.people"),
    ],
)
def test_a_policy_that_means_nothing_is_refused_naming_the_field(
    body: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        EnvironmentPolicy.model_validate(body)
    assert field in {".".join(str(p) for p in e["loc"]) for e in caught.value.errors()}
