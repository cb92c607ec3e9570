"""Releases: accept one (idempotently, one active per app and env), record what happens to it.

Every state change of a release or a rollout is one transaction holding the change, its
CloudEvent (outbox → flotilla.releases.v1, keyed by app so a consumer sees an app's events in
order) and a `release_events` row (the SSE stream). Transitions are compare-and-set on the
phase, so a step that runs twice (a restart mid-step) cannot emit its event twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import ReleasePhase, Role, RolloutPhase, Strategy
from flotilla_contracts.events import (
    DebugModeChangedV1,
    ReleaseControlledV1,
    ReleaseCreatedV1,
    ReleasePausedV1,
    ReleaseResumedV1,
    ReleaseWaitingApprovalV1,
)
from flotilla_contracts.policy import EnvironmentPolicy, PodSecurityLevel, PolicyAction
from flotilla_runtime.auth import Principal
from flotilla_runtime.errors import Conflict, NotFound
from release_api import kubeops, policy
from release_api.apps import service as apps
from release_api.apps.podrun import Security
from release_api.clients import Clusters, Registry, Target
from release_api.errors import (
    ActiveRelease,
    IdempotencyMismatch,
    InvalidState,
    PodSecurityUnfit,
    PolicyForbids,
)
from release_api.manifests.render import object_name
from release_api.models import Release, Rollout
from release_api.plans.create import plan_for
from release_api.plans.state import PlanState, WaveState
from release_api.releases import approvals
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository
from release_api.releases.schemas import (
    ApprovalOut,
    ControlAction,
    PlanOut,
    ReleaseCreate,
    ReleaseOut,
    RolloutOut,
    WaveOut,
)
from release_api.rollouts.machine import stage_of
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.state import RunOptions

DEFAULT_REPLICAS = 2


def request_hash(data: ReleaseCreate) -> str:
    return hashlib.sha256(
        json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


async def _replay(
    session: AsyncSession, app_name: str, idempotency_key: str, digest: str
) -> Release | None:
    """The release this Idempotency-Key created before, if any (a different body: 422)."""
    existing = await ReleaseRepository(session).by_idempotency_key(app_name, idempotency_key)
    if existing is not None and existing.request_hash != digest:
        raise IdempotencyMismatch(
            f"Idempotency-Key {idempotency_key!r} was used for release {existing.id} "
            "with a different body"
        )
    return existing


def _fits_pod_security(spec: dict[str, Any], target: Target) -> None:
    """The namespace admits only pods of its level (cluster-registry labels it with the policy's
    `pod_security`): a root app in a "restricted" environment would have every pod refused."""
    level = Security.model_validate(spec.get("security") or {}).level
    enforced = target.policy.pod_security
    if PodSecurityLevel.admits(enforced, level):
        return
    raise PodSecurityUnfit(
        f"{target.env} enforces Pod Security {enforced!r} and this app's pods are {level!r} "
        "(security.run_as_root): an admin may set the environment's policy.pod_security to "
        f"{level!r}"
    )


async def create(
    session: AsyncSession,
    principal: Principal,
    app_name: str,
    data: ReleaseCreate,
    target: Target,
    *,
    idempotency_key: str | None,
    rollback_of: uuid.UUID | None = None,
    spec_override: dict[str, Any] | None = None,
    template_release: uuid.UUID | None = None,
) -> tuple[Release, bool]:
    """(release, created). An Idempotency-Key seen before returns the first release.

    The app's team check, then the environment's policy: a rollback is judged by its
    `rollback` rule and never held; a release by its `release` rule, and held in
    `waiting-approval` when the policy requires an approval."""
    app = await apps.get(session, app_name)
    apps.check_access(principal, app)
    action = PolicyAction.ROLLBACK if rollback_of is not None else PolicyAction.RELEASE
    policy.authorize(principal, target.env, target.policy, action)
    held = action == PolicyAction.RELEASE and target.policy.approval.required
    placements = target.placements
    if app.archived:
        raise Conflict(f"{app_name} is archived: no new releases")
    digest = request_hash(data)
    if idempotency_key and (seen := await _replay(session, app_name, idempotency_key, digest)):
        return seen, False
    plan = plan_for(
        principal,
        target,
        data.plan,
        rollback=rollback_of is not None,
        freeze_override=data.options.freeze_override,
        analysis=data.analysis,
        app_analysis=(spec_override or app.spec).get("analysis"),
    )
    spec = spec_override or app.spec
    _fits_pod_security(spec, target)
    replicas = data.options.replicas
    if replicas is None:
        per_env: Any = spec.get("replicas") or {}
        replicas = int(per_env.get(data.env, DEFAULT_REPLICAS))
    release = Release(
        id=uuid.uuid4(),
        app=app_name,
        env=data.env,
        image=data.image,
        strategy=data.strategy.value,
        options=release_options(data, rollback_of, template_release),
        spec=spec,
        app_version=app.version,
        phase=(ReleasePhase.WAITING_APPROVAL if held else ReleasePhase.RUNNING).value,
        approval=_hold(target.policy) if held else None,
        plan=plan.stored(),
        debug=data.options.debug,
        rollback_of=rollback_of,
        idempotency_key=idempotency_key,
        request_hash=digest,
        requested_by=principal.subject,
    )
    last = await ReleaseRepository(session).latest(app_name, data.env)
    previous_debug = last.debug if last is not None else None
    try:
        async with session.begin_nested():
            session.add(release)
            await session.flush()
    except IntegrityError:
        # The same Idempotency-Key sent twice at once: the other request committed first (its
        # insert is what this one waited for), so this one answers with its release.
        if idempotency_key and (seen := await _replay(session, app_name, idempotency_key, digest)):
            return seen, False
        active = await ReleaseRepository(session).active_id(app_name, data.env)
        raise ActiveRelease(
            f"release {active} of {app_name} to {data.env} is still running",
            active_release=str(active),
        ) from None
    for placement in placements:
        session.add(
            Rollout(
                release_id=release.id,
                cluster=placement.cluster,
                idc=placement.idc,
                namespace=placement.namespace,
                phase=RolloutPhase.PENDING.value,
                wave=plan.wave_of(placement.cluster),
                replicas=replicas,
                progress={},
            )
        )
    await record(
        session,
        release.id,
        ReleaseCreatedV1(
            release_id=release.id,
            app=app_name,
            env=data.env,
            image=data.image,
            strategy=data.strategy,
            clusters=tuple(p.cluster for p in placements),
            requested_by=principal.subject,
            debug=data.options.debug,
            waves=tuple(plan.waves),
            on_failure=plan.failure.on_failure,
        ),
    )
    if held:
        await record(
            session,
            release.id,
            ReleaseWaitingApprovalV1(
                release_id=release.id,
                app=app_name,
                env=data.env,
                requested_by=principal.subject,
                approvers=target.policy.approval.by.describe(),
                four_eyes=target.policy.approval.four_eyes,
            ),
        )
    if data.options.debug or previous_debug:
        # Debug mode on, or a normal release after a debug one turns it off.
        await record(
            session,
            release.id,
            DebugModeChangedV1(
                app=app_name, env=data.env, debug=data.options.debug, release_id=release.id
            ),
        )
    await session.flush()
    return release, True


def _hold(env_policy: EnvironmentPolicy) -> dict[str, Any]:
    hold = ApprovalOut(
        approvers=env_policy.approval.by.describe(), four_eyes=env_policy.approval.four_eyes
    )
    return hold.model_dump(mode="json")


def release_options(
    data: ReleaseCreate, rollback_of: uuid.UUID | None, template_release: uuid.UUID | None
) -> dict[str, Any]:
    """The options as the runner reads them, with the strategy's defaults made explicit."""
    asked = data.options
    promote = asked.promote or ("auto" if data.strategy == Strategy.BLUE_GREEN else "manual")
    manual = data.strategy == Strategy.ROLLING or promote == "manual"
    return RunOptions(
        replicas=asked.replicas,
        timeout_s=asked.timeout_s,
        debug=asked.debug,
        promote=promote,
        auto_promote_s=None if manual else asked.auto_promote_s,
        scale_down_delay_s=asked.scale_down_delay_s,
        gray_replicas=asked.gray_replicas,
        gray_percent=asked.gray_percent,
        gray_weight=asked.gray_weight,
        template_release=str(template_release) if template_release is not None else None,
        rollback_of=str(rollback_of) if rollback_of is not None else None,
    ).stored()


async def get(session: AsyncSession, app: str, release_id: uuid.UUID) -> Release:
    release = await session.get(Release, release_id)
    if release is None or release.app != app:
        raise NotFound(f"no release {release_id} of {app}")
    return release


async def render(session: AsyncSession, release: Release) -> ReleaseOut:
    rollouts = await RolloutRepository(session).of_release(release.id)
    plan = PlanState.of(release.plan, [r.cluster for r in rollouts])
    return ReleaseOut(
        id=release.id,
        app=release.app,
        env=release.env,
        image=release.image,
        strategy=Strategy(release.strategy),
        phase=ReleasePhase(release.phase),
        debug=release.debug,
        rollback_of=release.rollback_of,
        requested_by=release.requested_by,
        approval=ApprovalOut.model_validate(release.approval) if release.approval else None,
        created_at=release.created_at,
        finished_at=release.finished_at,
        plan=_plan_out(plan),
        clusters=[
            RolloutOut(
                cluster=r.cluster,
                idc=r.idc,
                namespace=r.namespace,
                wave=r.wave,
                phase=RolloutPhase(r.phase),
                replicas=r.replicas,
                progress=r.progress or {},
                error=r.error,
                started_at=r.started_at,
                finished_at=r.finished_at,
                updated_at=r.updated_at,
            )
            for r in rollouts
        ],
        follow=f"/v1/apps/{release.app}/releases/{release.id}/events",
    )


def _plan_out(plan: PlanState) -> PlanOut:
    return PlanOut(
        waves=[
            WaveOut(
                name=wave.name,
                clusters=list(wave.clusters),
                max_parallel=wave.max_parallel,
                soak_s=wave.soak_s,
                gate=wave.gate,
                state=progress.state,
                started_at=progress.started_at,
                done_at=progress.done_at,
                soak_until=progress.soak_until,
                decision=ApprovalOut.model_validate(progress.decision)
                if progress.decision
                else None,
                analysis=progress.analysis,
            )
            for wave, progress in zip(plan.waves, plan.progress, strict=True)
        ],
        failure=plan.failure,
        current=plan.current,
        held=plan.held,
        stopping=plan.stopping,
        freeze_override=plan.freeze_override,
        analysis=plan.analysis,
    )


async def control(
    session: AsyncSession,
    principal: Principal,
    app: str,
    release_id: uuid.UUID,
    action: ControlAction,
    clusters: Clusters,
    registry: Registry,
) -> Release:
    """promote, pause, resume, abort, skip-soak or fleet-rollback a release (409 when it
    cannot); the environment's `control` rule decides who may (`rollback` for a fleet
    rollback). Aborting a release held for approval before it started ends it untouched."""
    release = await ReleaseRepository(session).for_update(release_id)
    if release is None or release.app != app:
        raise NotFound(f"no release {release_id} of {app}")
    apps.check_access(principal, await apps.get(session, app))
    target = await registry.target(release.env)
    rule = PolicyAction.ROLLBACK if action == ControlAction.FLEET_ROLLBACK else PolicyAction.CONTROL
    policy.authorize(principal, release.env, target.policy, rule)
    if action == ControlAction.SKIP_SOAK and Role.ADMIN not in principal.roles:
        raise PolicyForbids("only an admin may skip a soak")
    phase = ReleasePhase(release.phase)
    if phase.is_terminal:
        hint = " (roll back with POST …/releases/{earlier}/rollback)"
        more = hint if action == ControlAction.FLEET_ROLLBACK else ""
        raise InvalidState(f"release {release_id} is {phase.value}: nothing to {action}{more}")
    rollouts = await RolloutRepository(session).of_release(release.id)
    plan = PlanState.of(release.plan, [r.cluster for r in rollouts])
    stopping = action in (ControlAction.ABORT, ControlAction.FLEET_ROLLBACK)
    if phase == ReleasePhase.WAITING_APPROVAL and plan.at.state != WaveState.WAITING_APPROVAL:
        # held by the policy before anything started: only ending it makes sense
        if not stopping:
            raise InvalidState(f"release {release_id} waits for approval: nothing to {action}")
        await _controlled(session, release, action, principal)
        await approvals.end_unstarted(session, release, f"aborted by {principal.subject}")
        return release
    opts = RunOptions.of(release.options)
    unfinished = [r for r in rollouts if not RolloutPhase(r.phase).is_terminal]
    if action == ControlAction.PROMOTE:
        if release.strategy == Strategy.ROLLING.value:
            raise InvalidState("a rolling release has nothing to promote")
        opts.promoted = True
    elif action == ControlAction.PAUSE:
        if phase != ReleasePhase.RUNNING:
            raise InvalidState(f"release {release_id} is {phase.value}, not running")
        release.phase = ReleasePhase.PAUSED.value
        await _set_paused(release, unfinished, clusters, paused=True)
        await _paused_event(session, release, principal, paused=True)
    elif action == ControlAction.RESUME:
        if phase != ReleasePhase.PAUSED:
            raise InvalidState(f"release {release_id} is {phase.value}, not paused")
        release.phase = ReleasePhase.RUNNING.value
        deadline = datetime.now(UTC) + timedelta(seconds=opts.timeout_s)
        for rollout in unfinished:
            rollout.deadline = deadline
        if plan.stopping is not None:  # a person accepts the failures so far and goes on
            plan.accepted_failures = sum(r.phase in _FAILED for r in rollouts)
            plan.stopping = None
        await _set_paused(release, unfinished, clusters, paused=False)
        await _paused_event(session, release, principal, paused=False)
    elif action == ControlAction.SKIP_SOAK:
        if phase != ReleasePhase.RUNNING or plan.at.state != WaveState.SOAKING:
            raise InvalidState(f"release {release_id} has no wave soaking")
        plan.at.soak_until = datetime.now(UTC)
    else:  # abort, fleet-rollback
        opts.abort_requested = True
        opts.rollback_all = action == ControlAction.FLEET_ROLLBACK
        if phase != ReleasePhase.RUNNING:  # paused, or held at a wave's gate
            release.phase = ReleasePhase.RUNNING.value
            await _set_paused(release, unfinished, clusters, paused=False)
    release.options = opts.stored()
    release.plan = plan.stored()
    await _controlled(session, release, action, principal)
    await session.flush()
    return release


_FAILED = (RolloutPhase.FAILED.value, RolloutPhase.ROLLED_BACK.value)


async def _paused_event(
    session: AsyncSession, release: Release, principal: Principal, *, paused: bool
) -> None:
    model = ReleasePausedV1 if paused else ReleaseResumedV1
    await record(
        session,
        release.id,
        model(
            release_id=release.id,
            app=release.app,
            env=release.env,
            reason=f"{'paused' if paused else 'resumed'} by {principal.subject}",
            by=principal.subject,
        ),
    )


async def _controlled(
    session: AsyncSession, release: Release, action: ControlAction, principal: Principal
) -> None:
    await record(
        session,
        release.id,
        ReleaseControlledV1(
            release_id=release.id,
            app=release.app,
            env=release.env,
            action=action.value,
            by=principal.subject,
        ),
    )


async def _set_paused(
    release: Release, rollouts: list[Rollout], clusters: Clusters, *, paused: bool
) -> None:
    """Hold (or release) the Deployments of clusters that are rolling out right now."""
    for rollout in rollouts:
        if rollout.phase != RolloutPhase.WAITING_READY.value:
            continue
        api = await clusters.api(rollout.cluster)
        name = object_name(release.app, stage_of(release, rollout))
        await kubeops.set_paused(api, rollout.namespace, name, paused)
