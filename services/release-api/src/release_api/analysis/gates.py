"""What a rollout step asks of the analysis (release_api.rollouts.steps): whether a gray step
may be promoted, and whether blue-green must keep the old colour a while longer. Pure reads of
the release's plan."""

from __future__ import annotations

from flotilla_contracts.analysis import Verdict
from flotilla_contracts.enums import ReleasePhase, Strategy
from release_api.models import Release, Rollout
from release_api.plans.state import PlanState


def holds_old_colour(release: Release, rollout: Rollout) -> bool:
    """Whether the rollout's wave is still to be judged by its analysis (or was not let
    through): blue-green keeps the old colour for a switch back until then."""
    if not release.plan:
        return False
    plan = PlanState.model_validate(release.plan)
    if plan.analysis is None or not plan.analysis.soak_checks:
        return False
    if rollout.wave >= len(plan.progress):
        return False
    if release.phase not in (ReleasePhase.RUNNING.value, ReleasePhase.WAITING_APPROVAL.value):
        return False  # the release ended (or was paused by a person): its fate is decided
    analysis = plan.progress[rollout.wave].analysis
    return analysis is None or analysis.state != Verdict.PASSED


def canary_verdict(release: Release, rollout: Rollout) -> tuple[Verdict | None, str] | None:
    """A gray step under analysis (release_api.analysis): its verdict so far (None: running;
    inconclusive waits for a person's promote or abort), or None when it is not analysed."""
    if release.strategy != Strategy.GRAY.value or not release.plan:
        return None
    plan = PlanState.model_validate(release.plan)
    if plan.analysis is None or not plan.analysis.canary:
        return None
    analysis = plan.canary.get(rollout.cluster)
    if analysis is None:
        return None, ""
    return analysis.state, analysis.reason or ""
