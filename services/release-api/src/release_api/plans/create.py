"""A new release's plan: resolved against its environment, checked against freeze windows.

A release names a plan, or gets its environment's default plan; a rollback (putting back what
an earlier release released) goes to every cluster at once whatever the plan, and is never
frozen or held. The resolved waves are stored on the release (releases.plan) before anything
starts; `io.flotilla.release.created` carries them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flotilla_contracts.analysis import AnalysisTemplate
from flotilla_contracts.enums import Role
from flotilla_contracts.plans import PlanCluster, PlanError, ReleasePlan, resolve
from flotilla_runtime import freeze
from flotilla_runtime.auth import Principal
from release_api.clients import Target
from release_api.errors import EnvironmentFrozen, PlanUnfit, PolicyForbids
from release_api.plans.state import PlanState, WaveProgress, single_wave


def plan_for(
    principal: Principal,
    target: Target,
    asked: ReleasePlan | None,
    *,
    rollback: bool,
    freeze_override: str | None,
    analysis: AnalysisTemplate | None = None,
    app_analysis: dict[str, Any] | None = None,
) -> PlanState:
    """The release's plan state before anything starts (422 when the plan does not fit, 409
    when a freeze window is in force and nobody may override it, 403 for a non-admin).

    Its analysis: the release's checks, else the app's (its spec), else the environment's; a
    rollback is not analysed (it puts back what was known to work). A custom PromQL check in a
    release is an admin's to give (403 otherwise)."""
    clusters = [p.cluster for p in target.placements]
    if rollback:
        return _with_rules(single_wave(clusters), target, None)
    if analysis is not None and analysis.custom and Role.ADMIN not in principal.roles:
        raise PolicyForbids(
            "custom checks (PromQL reads every team's series; a webhook is a request from "
            "inside the platform) are for admins"
        )
    if analysis is None and app_analysis is not None:
        analysis = AnalysisTemplate.model_validate(app_analysis)
    if analysis is None:
        analysis = target.policy.analysis
    if analysis is not None and not analysis.checks:
        analysis = None
    frozen = freeze.in_force(target.policy.freeze_windows, datetime.now(UTC))
    if freeze_override is not None and Role.ADMIN not in principal.roles:
        raise PolicyForbids("only an admin may release through a freeze window")
    if frozen is not None and freeze_override is None:
        raise EnvironmentFrozen(
            f"{target.env} is frozen: {frozen.describe()}; an admin may override with "
            "options.freeze_override (a reason)",
            window=frozen.window.name,
            until=frozen.until.isoformat(),
        )
    plan = asked or target.policy.default_plan
    if plan is None:
        state = single_wave(clusters)
        state.analysis = analysis
        return _with_rules(state, target, freeze_override)
    fleet = [PlanCluster(p.cluster, p.idc, dict(p.labels)) for p in target.placements]
    try:
        waves = resolve(plan, fleet)
    except PlanError as exc:
        where = "plan" if asked is not None else f"{target.env}'s default plan"
        raise PlanUnfit(f"{where}: {exc}") from None
    state = PlanState(
        waves=list(waves),
        failure=plan.failure,
        progress=[WaveProgress() for _ in waves],
        analysis=analysis,
    )
    return _with_rules(state, target, freeze_override)


def _with_rules(plan: PlanState, target: Target, freeze_override: str | None) -> PlanState:
    """The environment's rules the plan keeps: who approves a gate, the freeze windows."""
    plan.approvers = target.policy.approval.by.describe()
    plan.four_eyes = target.policy.approval.four_eyes
    plan.freeze_windows = list(target.policy.freeze_windows)
    plan.freeze_override = freeze_override
    return plan
