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

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import ReleasePhase, RolloutPhase, Stage, Strategy
from flotilla_contracts.events import (
    DebugModeChangedV1,
    EventPayload,
    ReleaseAbortedV1,
    ReleaseControlledV1,
    ReleaseCreatedV1,
    ReleaseFailedV1,
    ReleasePartiallyFailedV1,
    ReleaseRolledBackV1,
    ReleaseSucceededV1,
    RolloutPhaseChangedV1,
)
from flotilla_runtime.auth import Principal
from flotilla_runtime.errors import Conflict, NotFound
from flotilla_runtime.outbox import add_event
from release_api import kubeops
from release_api.apps import service as apps
from release_api.clients import Clusters, Placement
from release_api.errors import ActiveRelease, IdempotencyMismatch, InvalidState
from release_api.manifests.render import object_name
from release_api.models import ACTIVE_PHASES, Release, ReleaseEvent, Rollout
from release_api.releases.schemas import ControlAction, ReleaseCreate, ReleaseOut, RolloutOut

SOURCE = "/flotilla/release-api"
DEFAULT_REPLICAS = 2


async def record(session: AsyncSession, release_id: uuid.UUID, payload: EventPayload) -> None:
    """The event to Kafka (outbox, key = app) and to the release's own stream."""
    app = getattr(payload, "app", "")
    await add_event(session, payload, source=SOURCE, key=app, subject=str(release_id))
    session.add(
        ReleaseEvent(
            release_id=release_id,
            type=payload.event_type,
            data=payload.model_dump(mode="json"),
        )
    )


def request_hash(data: ReleaseCreate) -> str:
    return hashlib.sha256(
        json.dumps(data.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()


async def create(
    session: AsyncSession,
    principal: Principal,
    app_name: str,
    data: ReleaseCreate,
    placements: list[Placement],
    *,
    idempotency_key: str | None,
    rollback_of: uuid.UUID | None = None,
    spec_override: dict[str, Any] | None = None,
    template_release: uuid.UUID | None = None,
) -> tuple[Release, bool]:
    """(release, created). An Idempotency-Key seen before returns the first release."""
    app = await apps.get(session, app_name)
    apps.check_access(principal, app)
    if app.archived:
        raise Conflict(f"{app_name} is archived: no new releases")
    digest = request_hash(data)
    if idempotency_key:
        existing = (
            await session.execute(
                select(Release).where(
                    Release.app == app_name, Release.idempotency_key == idempotency_key
                )
            )
        ).scalar_one_or_none()
        if existing is not None:
            if existing.request_hash != digest:
                raise IdempotencyMismatch(
                    f"Idempotency-Key {idempotency_key!r} was used for release {existing.id} "
                    "with a different body"
                )
            return existing, False
    spec = spec_override or app.spec
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
        phase=ReleasePhase.RUNNING.value,
        debug=data.options.debug,
        rollback_of=rollback_of,
        idempotency_key=idempotency_key,
        request_hash=digest,
        requested_by=principal.subject,
    )
    previous_debug = (
        await session.execute(
            select(Release.debug)
            .where(Release.app == app_name, Release.env == data.env)
            .order_by(Release.seq.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    try:
        async with session.begin_nested():
            session.add(release)
            await session.flush()
    except IntegrityError:
        active = (
            await session.execute(
                select(Release.id).where(
                    Release.app == app_name,
                    Release.env == data.env,
                    Release.phase.in_(ACTIVE_PHASES),
                )
            )
        ).scalar_one_or_none()
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


def release_options(
    data: ReleaseCreate, rollback_of: uuid.UUID | None, template_release: uuid.UUID | None
) -> dict[str, Any]:
    """The options as the runner reads them, with the strategy's defaults made explicit."""
    opts = data.options.model_dump(mode="json")
    promote = opts.pop("promote") or ("auto" if data.strategy == Strategy.BLUE_GREEN else "manual")
    if data.strategy == Strategy.ROLLING or promote == "manual":
        opts["auto_promote_s"] = None
    opts["promote"] = promote
    if template_release is not None:
        opts["template_release"] = str(template_release)
    if rollback_of is not None:
        opts["rollback_of"] = str(rollback_of)
    return opts


async def get(session: AsyncSession, app: str, release_id: uuid.UUID) -> Release:
    release = await session.get(Release, release_id)
    if release is None or release.app != app:
        raise NotFound(f"no release {release_id} of {app}")
    return release


async def render(session: AsyncSession, release: Release) -> ReleaseOut:
    rollouts = (
        await session.execute(
            select(Rollout).where(Rollout.release_id == release.id).order_by(Rollout.cluster)
        )
    ).scalars()
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
        created_at=release.created_at,
        finished_at=release.finished_at,
        clusters=[
            RolloutOut(
                cluster=r.cluster,
                idc=r.idc,
                namespace=r.namespace,
                phase=RolloutPhase(r.phase),
                replicas=r.replicas,
                progress=r.progress or {},
                error=r.error,
                updated_at=r.updated_at,
            )
            for r in rollouts
        ],
        follow=f"/v1/apps/{release.app}/releases/{release.id}/events",
    )


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
    now = datetime.now(UTC)
    values: dict[str, object] = {"phase": to.value, "updated_at": now}
    if reason is not None:
        values["error"] = reason[:2000]
    if timeout_s is not None:
        values["deadline"] = now + timedelta(seconds=timeout_s)
    result = await session.execute(
        update(Rollout)
        .where(Rollout.id == rollout.id, Rollout.phase == rollout.phase)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    previous = RolloutPhase(rollout.phase)
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
    """When every rollout is terminal: the release's outcome, once (compare-and-set)."""
    release = (
        await session.execute(select(Release).where(Release.id == release_id).with_for_update())
    ).scalar_one()
    if ReleasePhase(release.phase).is_terminal:
        return None
    rollouts = list(
        (await session.execute(select(Rollout).where(Rollout.release_id == release_id))).scalars()
    )
    phases = {r.cluster: RolloutPhase(r.phase) for r in rollouts}
    if not all(p.is_terminal for p in phases.values()):
        return None
    succeeded = [c for c, p in phases.items() if p == RolloutPhase.SUCCEEDED]
    if (release.options or {}).get("abort_requested"):
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
    return outcome


async def control(
    session: AsyncSession,
    principal: Principal,
    app: str,
    release_id: uuid.UUID,
    action: ControlAction,
    clusters: Clusters,
) -> Release:
    """promote, pause, resume or abort a running release (409 when it cannot)."""
    release = (
        await session.execute(select(Release).where(Release.id == release_id).with_for_update())
    ).scalar_one_or_none()
    if release is None or release.app != app:
        raise NotFound(f"no release {release_id} of {app}")
    apps.check_access(principal, await apps.get(session, app))
    phase = ReleasePhase(release.phase)
    if phase.is_terminal:
        raise InvalidState(f"release {release_id} is {phase.value}: nothing to {action}")
    opts = dict(release.options or {})
    rollouts = list(
        (await session.execute(select(Rollout).where(Rollout.release_id == release.id))).scalars()
    )
    unfinished = [r for r in rollouts if not RolloutPhase(r.phase).is_terminal]
    if action == ControlAction.PROMOTE:
        if release.strategy == Strategy.ROLLING.value:
            raise InvalidState("a rolling release has nothing to promote")
        opts["promoted"] = True
    elif action == ControlAction.PAUSE:
        if phase != ReleasePhase.RUNNING:
            raise InvalidState(f"release {release_id} is {phase.value}, not running")
        release.phase = ReleasePhase.PAUSED.value
        await _set_paused(release, unfinished, clusters, paused=True)
    elif action == ControlAction.RESUME:
        if phase != ReleasePhase.PAUSED:
            raise InvalidState(f"release {release_id} is {phase.value}, not paused")
        release.phase = ReleasePhase.RUNNING.value
        deadline = datetime.now(UTC) + timedelta(seconds=float(opts.get("timeout_s", 600)))
        for rollout in unfinished:
            rollout.deadline = deadline
        await _set_paused(release, unfinished, clusters, paused=False)
    else:  # abort
        opts["abort_requested"] = True
        if phase == ReleasePhase.PAUSED:
            release.phase = ReleasePhase.RUNNING.value
            await _set_paused(release, unfinished, clusters, paused=False)
    release.options = opts
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
    await session.flush()
    return release


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


def stage_of(release: Release, rollout: Rollout) -> Stage:
    """Which Deployment this step of the rollout works on."""
    progress = rollout.progress or {}
    if release.strategy == Strategy.BLUE_GREEN.value:
        return Stage(progress.get("idle", Stage.BLUE.value))
    if release.strategy == Strategy.GRAY.value and progress.get("step", "gray") == "gray":
        return Stage.GRAY
    return Stage.STABLE
