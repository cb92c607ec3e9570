"""The rollout state machine's transitions: one cluster's phase, and the release's outcome.

A rollout moves by compare-and-set (`transition`), writing its phase-changed event in the same
transaction, so a phase change is never doubled or lost; when every rollout of a release is
terminal, `finish_if_done` decides the release's outcome once. What each strategy does in each
phase is the runner's (release_api.workers.rollouts); what a rollout remembers between steps
is typed in release_api.rollouts.state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import ReleasePhase, RolloutPhase, Stage, Strategy
from flotilla_contracts.events import (
    ReleaseAbortedV1,
    ReleaseFailedV1,
    ReleasePartiallyFailedV1,
    ReleaseRolledBackV1,
    ReleaseSucceededV1,
    RolloutPhaseChangedV1,
)
from release_api.models import Release, Rollout
from release_api.releases import cdevents
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.state import RolloutProgress, RunOptions


async def transition(
    session: AsyncSession,
    release: Release,
    rollout: Rollout,
    to: RolloutPhase,
    *,
    reason: str | None = None,
    timeout_s: float | None = None,
) -> bool:
    """Compare-and-set the rollout's phase; False (and nothing written) if it moved meanwhile."""
    # Read before the UPDATE: its synchronize_session writes the new phase onto `rollout`.
    previous = RolloutPhase(rollout.phase)
    now = datetime.now(UTC)
    values: dict[str, object] = {"phase": to.value, "updated_at": now}
    if previous == RolloutPhase.PENDING and not to.is_terminal:
        values["started_at"] = now
    if to.is_terminal:
        values["finished_at"] = now
    if reason is not None:
        values["error"] = reason[:2000]
    if timeout_s is not None:
        values["deadline"] = now + timedelta(seconds=timeout_s)
    if not await RolloutRepository(session).set_phase_if(
        rollout.id, expected=previous, values=values
    ):
        return False
    await record(
        session,
        release.id,
        RolloutPhaseChangedV1(
            release_id=release.id,
            app=release.app,
            env=release.env,
            cluster=rollout.cluster,
            phase=to,
            previous_phase=previous,
            reason=reason[:2000] if reason else None,
        ),
    )
    return True


OUTCOME_EVENTS = {
    ReleasePhase.SUCCEEDED: ReleaseSucceededV1,
    ReleasePhase.PARTIALLY_FAILED: ReleasePartiallyFailedV1,
    ReleasePhase.FAILED: ReleaseFailedV1,
    ReleasePhase.ABORTED: ReleaseAbortedV1,
    ReleasePhase.ROLLED_BACK: ReleaseRolledBackV1,
}


async def finish_if_done(session: AsyncSession, release_id: uuid.UUID) -> ReleasePhase | None:
    """When every rollout is terminal and the plan let it end (its last wave soaked, or the
    release stopped: release_api.plans.driver): the release's outcome, once (compare-and-set)."""
    release = await ReleaseRepository(session).for_update(release_id)
    assert release is not None
    if ReleasePhase(release.phase).is_terminal:
        return None
    if release.plan is not None and not release.plan.get("finished"):
        return None
    rollouts = await RolloutRepository(session).of_release(release_id)
    phases = {r.cluster: RolloutPhase(r.phase) for r in rollouts}
    if not all(p.is_terminal for p in phases.values()):
        return None
    succeeded = [c for c, p in phases.items() if p == RolloutPhase.SUCCEEDED]
    if RunOptions.of(release.options).abort_requested:
        outcome = ReleasePhase.ABORTED
    elif len(succeeded) == len(phases):
        outcome = ReleasePhase.ROLLED_BACK if release.rollback_of else ReleasePhase.SUCCEEDED
    elif succeeded:
        outcome = ReleasePhase.PARTIALLY_FAILED
    else:
        outcome = ReleasePhase.FAILED
    release.phase = outcome.value
    release.finished_at = datetime.now(UTC)
    await record(
        session,
        release.id,
        OUTCOME_EVENTS[outcome](
            release_id=release.id,
            app=release.app,
            env=release.env,
            image=release.image,
            clusters=phases,
            errors={r.cluster: r.error for r in rollouts if r.error},
        ),
    )
    await cdevents.on_outcome(session, release, outcome)
    return outcome


def stage_of(release: Release, rollout: Rollout) -> Stage:
    """Which Deployment this step of the rollout works on."""
    progress = RolloutProgress.of(rollout.progress)
    if release.strategy == Strategy.BLUE_GREEN.value:
        return progress.idle or Stage.BLUE
    if release.strategy == Strategy.GRAY.value and progress.step == "gray":
        return Stage.GRAY
    return Stage.STABLE
