"""An environment's policy: who may do what there, and whether a release needs a second person.

cluster-registry stores one per environment (`PUT /v1/environments/{name}/policy`, admins,
audited); release-api reads it with the environment's placements and enforces it on every
release, restart, rollback, scale, control (promote/pause/resume/abort) and pod isolation in
that environment. The policy comes *on top of* the app's team check: a developer acts only on
apps of their own teams, and an environment's rule can narrow that further ("in prod only
team sre", "in prod only admins scale"), never widen it.

A rule names the least role (`developer` or `admin`) and, optionally, teams: when teams are
named, a developer must belong to one of them. Admins pass every rule (they are the platform
operators; every act is in the audit log). Service tokens hold no role and pass none.

`approval.required` holds a release (not a rollback: putting the last good version back is
never held) in `waiting-approval` until someone the `approval.by` rule allows approves it.
An approval rule that names teams names the approvers whatever team owns the app (an SRE team
approving every team's production releases); one that names none leaves approval to the app's
own team, like every other rule. With `four_eyes` (the default) the person who requested the
release cannot approve it, admins included — the point of a second person is that it is a
different one. The defaults allow what Flotilla allowed before policies existed: developers
of the app's team do everything, nothing is held.

`pod_security` is the Pod Security Standards level every namespace of the environment enforces
(default "restricted"): cluster-registry labels the namespaces with it, and release-api refuses
a release whose pods would not be admitted (an app that runs as root is "baseline").

An environment also says how releases walk its clusters when they name no plan
(`default_plan`) and when they may not move at all (`freeze_windows`): flotilla_contracts.plans.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

from flotilla_contracts.analysis import AnalysisTemplate
from flotilla_contracts.enums import Role
from flotilla_contracts.names import NAME_MAX, NAME_PATTERN
from flotilla_contracts.plans import FreezeWindow, ReleasePlan


class PolicyAction(StrEnum):
    """What an environment's policy rules over; each has its own rule."""

    RELEASE = "release"  # a new release, a restart
    ROLLBACK = "rollback"  # release again what an earlier release released
    SCALE = "scale"
    CONTROL = "control"  # promote, pause, resume, abort a running release
    ISOLATE = "isolate"  # detach a pod for a post-mortem, delete an isolated pod
    APPROVE = "approve"  # approve or reject a release held for approval


class PodSecurityLevel(StrEnum):
    """A Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
    from the most open to the strictest."""

    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"

    @staticmethod
    def admits(enforced: PodSecurityLevel | str, pods: PodSecurityLevel | str) -> bool:
        """Whether a namespace enforcing `enforced` admits pods that meet `pods`."""
        order = list(PodSecurityLevel)
        return order.index(PodSecurityLevel(pods)) >= order.index(PodSecurityLevel(enforced))


Team = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)]


class Rule(BaseModel):
    """Who may: at least `role`; when `teams` is not empty, a developer in one of them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal[Role.DEVELOPER, Role.ADMIN] = Field(
        Role.DEVELOPER, description="the least role; admins pass every rule"
    )
    teams: tuple[Team, ...] = Field(
        (), max_length=50, description="when not empty, a developer must be in one of these teams"
    )

    def allows(self, roles: Collection[Role], teams: Collection[str]) -> bool:
        if Role.ADMIN in roles:
            return True
        if self.role == Role.ADMIN or Role.DEVELOPER not in roles:
            return False
        return not self.teams or any(team in teams for team in self.teams)

    def describe(self) -> str:
        """Who the rule lets through, for an error message: 'developers of team sre or admins'."""
        if self.role == Role.ADMIN:
            return "admins"
        if not self.teams:
            return "developers or admins"
        named = ", ".join(self.teams)
        return f"developers of team{'s' if len(self.teams) > 1 else ''} {named} or admins"


class Approval(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    required: StrictBool = Field(False, description="hold every release here until approved")
    by: Rule = Field(default_factory=Rule, description="who may approve or reject")
    four_eyes: StrictBool = Field(
        True, description="the requester may not approve their own release"
    )


class EnvironmentPolicy(BaseModel):
    """Who may do what in an environment (see the module's documentation)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "release": {"role": "developer"},
                    "rollback": {"role": "developer"},
                    "scale": {"role": "developer", "teams": ["sre"]},
                    "control": {"role": "developer"},
                    "isolate": {"role": "developer"},
                    "approval": {
                        "required": True,
                        "by": {"role": "developer", "teams": ["sre"]},
                        "four_eyes": True,
                    },
                }
            ]
        },
    )

    release: Rule = Field(default_factory=Rule)
    rollback: Rule = Field(default_factory=Rule)
    scale: Rule = Field(default_factory=Rule)
    control: Rule = Field(default_factory=Rule)
    isolate: Rule = Field(default_factory=Rule)
    approval: Approval = Field(default_factory=Approval)
    default_plan: ReleasePlan | None = Field(
        None, description="the plan of a release that names none (none: every cluster at once)"
    )
    freeze_windows: tuple[FreezeWindow, ...] = Field(
        (), max_length=20, description="when releases may not start or move to a new wave"
    )
    analysis: AnalysisTemplate | None = Field(
        None,
        description="the checks every wave of a release is judged by while it soaks (an app's "
        "spec or the release may name others; none: no analysis)",
    )
    pod_security: PodSecurityLevel = Field(
        PodSecurityLevel.RESTRICTED,
        description="the Pod Security level the environment's namespaces enforce (their "
        "pod-security.kubernetes.io labels); a release of an app whose pods are below it is "
        "refused",
    )

    @model_validator(mode="after")
    def _unique_windows(self) -> EnvironmentPolicy:
        names = [w.name for w in self.freeze_windows]
        if len(set(names)) != len(names):
            raise ValueError("freeze window names must be unique")
        return self

    def rule(self, action: PolicyAction) -> Rule:
        if action == PolicyAction.APPROVE:
            return self.approval.by
        rule: Rule = getattr(self, action.value)
        return rule
