"""Enforcing an environment's policy (flotilla_contracts.policy) in release-api.

The policy arrives with the environment's placements from cluster-registry on every request
that acts on an environment, so a change of policy applies to the next request; nothing is
cached beyond the registry client's own reads. A refusal is a 403 problem
(`forbidden-by-policy`) naming the environment and who the rule lets through, and the endpoint's
audit entry records it as refused.
"""

from __future__ import annotations

from flotilla_contracts.policy import EnvironmentPolicy, PolicyAction
from flotilla_runtime.auth import Principal
from flotilla_runtime.errors import Forbidden
from release_api.errors import PolicyForbids

_DOING = {
    PolicyAction.RELEASE: "release",
    PolicyAction.ROLLBACK: "roll back",
    PolicyAction.SCALE: "scale",
    PolicyAction.CONTROL: "promote, pause, resume or abort",
    PolicyAction.ISOLATE: "isolate or delete pods",
    PolicyAction.APPROVE: "approve or reject releases",
}


def authorize(
    principal: Principal, env: str, policy: EnvironmentPolicy, action: PolicyAction
) -> None:
    """Raise PolicyForbids unless `policy` lets `principal` do `action` in `env`."""
    rule = policy.rule(action)
    if principal.is_service or not rule.allows(principal.roles, principal.teams):
        raise PolicyForbids(
            f"the policy of environment {env!r} lets only {rule.describe()} "
            f"{_DOING[action]} there; {principal.subject} is not one of them",
            action=action.value,
            env=env,
        )


def may_decide(principal: Principal, env: str, policy: EnvironmentPolicy, *, app_team: str) -> None:
    """Approving or rejecting a held release. An approval rule that names teams names the
    approvers (an SRE team approves every team's releases); one that names none leaves it to
    the app's own team, as every other rule."""
    rule = policy.approval.by
    if not rule.teams and not principal.may_act_for_team(app_team):
        raise Forbidden(f"{principal.subject} may not decide on releases of team {app_team}")
    authorize(principal, env, policy, PolicyAction.APPROVE)


def second_person(
    principal: Principal, env: str, policy: EnvironmentPolicy, *, requester: str
) -> None:
    """Four eyes: the requester may not approve their own release (they may still withdraw
    it: abort)."""
    if policy.approval.four_eyes and principal.subject == requester:
        raise PolicyForbids(
            f"the policy of environment {env!r} needs a second person: {requester} requested "
            "this release and may not approve it",
            action=PolicyAction.APPROVE.value,
            env=env,
        )
