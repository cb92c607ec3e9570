"""Releases held for a person's decision: approve (they go on), reject (they end).

Two holds: the environment's policy may hold a release before any cluster starts (every
cluster `pending`, so ending it only writes rows), and a plan's wave with `gate: approval`
holds the release after the wave soaked, before the next one starts. Either way the release is
`waiting-approval` and `approval` says who may decide (and, for a gate, which wave). A
rejected gate ends the release as its failure policy says: `rollback` puts back every cluster
it changed; otherwise the clusters done stay, those not started end. The decision is judged by
the environment's policy at the time of the decision (read from cluster-registry with the
request), and recorded on the release (`approval`, and the wave's `decision`), in its events
and in the audit log.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import ReleasePhase, RolloutPhase
from flotilla_contracts.events import ReleaseApprovedV1, ReleaseRejectedV1
from flotilla_contracts.plans import OnFailure
from flotilla_runtime.auth import Principal
from flotilla_runtime.errors import NotFound
from release_api import policy
from release_api.apps import service as apps
from release_api.clients import Registry
from release_api.errors import InvalidState
from release_api.models import Release
from release_api.plans.state import PlanState, WaveState
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository
from release_api.releases.schemas import ApprovalOut
from release_api.rollouts import machine
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.state import RunOptions


async def decide(
    session: AsyncSession,
    principal: Principal,
    registry: Registry,
    app: str,
    release_id: uuid.UUID,
    *,
    approve: bool,
    comment: str,
) -> Release:
    release = await ReleaseRepository(session).for_update(release_id)
    if release is None or release.app != app:
        raise NotFound(f"no release {release_id} of {app}")
    owned = await apps.get(session, app)
    target = await registry.target(release.env)
    policy.may_decide(principal, release.env, target.policy, app_team=owned.team)
    if release.phase != ReleasePhase.WAITING_APPROVAL.value:
        raise InvalidState(f"release {release_id} is {release.phase}, not waiting for approval")
    if approve:
        policy.second_person(principal, release.env, target.policy, requester=release.requested_by)
    hold = ApprovalOut.model_validate(release.approval)  # set whenever a release is held
    decided = hold.model_copy(
        update={
            "decision": "approved" if approve else "rejected",
            "by": principal.subject,
            "comment": comment,
            "at": datetime.now(UTC),
        }
    ).model_dump(mode="json")
    release.approval = decided
    event = ReleaseApprovedV1 if approve else ReleaseRejectedV1
    await record(
        session,
        release.id,
        event(
            release_id=release.id,
            app=release.app,
            env=release.env,
            by=principal.subject,
            comment=comment,
            wave=hold.wave,
        ),
    )
    if hold.wave is not None:
        await _gate_decided(session, release, hold.wave, decided, approve=approve)
    elif approve:
        release.phase = ReleasePhase.RUNNING.value
        await session.flush()
    else:
        await end_unstarted(session, release, f"rejected by {principal.subject}")
    return release


async def _gate_decided(
    session: AsyncSession, release: Release, wave: int, decided: dict[str, Any], *, approve: bool
) -> None:
    """A wave's gate: approved, the next wave starts; rejected, the release ends as its
    failure policy says (the plan driver does the rest)."""
    rollouts = await RolloutRepository(session).of_release(release.id)
    plan = PlanState.of(release.plan, [r.cluster for r in rollouts])
    plan.progress[wave].decision = decided
    by = decided["by"]
    if approve:
        plan.progress[wave].state = WaveState.SUCCEEDED
    else:
        plan.progress[wave].state = WaveState.STOPPED
        if plan.failure.when_stopping == OnFailure.ROLLBACK:
            plan.stopping = f"wave {plan.waves[wave].name}'s gate rejected by {by}"
        else:
            opts = RunOptions.of(release.options)
            opts.abort_requested = True
            release.options = opts.stored()
    release.plan = plan.stored()
    release.phase = ReleasePhase.RUNNING.value
    await session.flush()


async def end_unstarted(session: AsyncSession, release: Release, reason: str) -> None:
    """End a release no cluster has started (held for approval): every cluster aborted."""
    opts = RunOptions.of(release.options)
    opts.abort_requested = True
    release.options = opts.stored()
    rollouts = await RolloutRepository(session).of_release(release.id)
    for rollout in rollouts:
        if rollout.phase == RolloutPhase.PENDING.value:
            await machine.transition(session, release, rollout, RolloutPhase.ABORTED, reason=reason)
    plan = PlanState.of(release.plan, [r.cluster for r in rollouts])
    plan.finished = True
    release.plan = plan.stored()
    await session.flush()
    await machine.finish_if_done(session, release.id)
    await session.flush()
