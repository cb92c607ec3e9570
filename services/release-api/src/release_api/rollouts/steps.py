"""What each phase of a rollout does in one cluster, for each strategy.

Per strategy, in one cluster:
- rolling: applying (Deployment `<app>`) → waiting-ready (the rules of `kubectl rollout
  status`) → waiting-ingress (k8s-sync's wait: the ingress serves exactly this release's ready
  pods of this cluster) → succeeded.
- blue-green: applying (the idle colour's Deployment beside the live one) → waiting-ready →
  waiting-promote (manual promote, or automatic after `auto_promote_s`) → switch the Service's
  selector → waiting-ingress (exactly the new colour's pods) → succeeded; the old colour is
  scaled down `scale_down_delay_s` later, so a rollback meanwhile is a switch back.
- gray: applying (`<app>-gray` with N pods and its Service, optionally weighted) → waiting-ready
  → waiting-ingress (stable + gray served) → waiting-promote → applying (stable, the new image)
  → waiting-ready → waiting-ingress (gray removed first; exactly the new stable pods) →
  succeeded.
A failure, the cluster's deadline, pods stuck in ImagePullBackOff/CrashLoopBackOff or an
`io.flotilla.sync.failed` for the cluster: that cluster is put back (rolled-back) — the previous
Deployment restored, the Service switched back, the gray stage removed — and the others go on.
An abort does the same to every unfinished cluster (aborted). Transient API errors (5xx,
connection refused) are retried until the deadline.

Held while the ingress does not follow: release_api.rollouts.hold.

Each step does one unit of work and returns (True when the rollout moved on); steps are safe
to repeat: applying writes the rendered objects with create-or-replace, waiting steps only
read. The runner (release_api.workers.rollouts) decides when a step runs.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import structlog
from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts import labels
from flotilla_contracts.analysis import Verdict
from flotilla_contracts.enums import AppType, RolloutPhase, Stage, Strategy
from flotilla_contracts.events import RolloutProgressedV1
from flotilla_runtime.db import session_scope
from flotilla_runtime.errors import FlotillaError
from flotilla_runtime.shutdown import Draining
from flotilla_runtime.transient import Backoff, outage
from release_api import kubeops
from release_api.analysis import gates
from release_api.apps.schemas import AppSpec
from release_api.clients import Clusters, IngressNotConfigured, IngressSync
from release_api.manifests.render import Target, object_name, render, selector, service
from release_api.models import App, Release, Rollout
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository
from release_api.rollouts import machine, putback
from release_api.rollouts.hold import IngressHold
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.state import (
    ProgressChanges,
    RolloutProgress,
    RunOptions,
    with_changes,
)

log = structlog.get_logger(__name__)
# How long an undo waits out an outage of what it needs before it reports the cluster as not
# put back (the operator then sees "putting it back failed too" with the reason).
UNDO_PATIENCE_S = 120.0


class StepFailed(Exception):
    """This cluster's rollout cannot go on; the message says why."""


# What fails a cluster's rollout or its undo (the cluster refused a change, a step found it
# broken, a domain error); anything else unclassified is a bug.
ROLLOUT_FAULTS = (StepFailed, FlotillaError, ApiException, aiohttp.ClientError, OSError)


def options(release: Release) -> RunOptions:
    return RunOptions.of(release.options)


def progress_of(rollout: Rollout) -> RolloutProgress:
    return RolloutProgress.of(rollout.progress)


def gray_replicas(release: Release, rollout: Rollout) -> int:
    opts = options(release)
    if opts.gray_replicas is not None:
        return max(1, opts.gray_replicas)
    percent = opts.gray_percent or 10
    return max(1, round(rollout.replicas * percent / 100))


def target_of(
    release: Release, rollout: Rollout, app_type: AppType, drain_s: float, stage: Stage
) -> Target:
    opts = options(release)
    gray = stage == Stage.GRAY
    return Target(
        app=release.app,
        app_type=app_type,
        env=release.env,
        cluster=rollout.cluster,
        idc=rollout.idc,
        namespace=rollout.namespace,
        image=release.image,
        replicas=gray_replicas(release, rollout) if gray else rollout.replicas,
        stage=stage,
        release_id=str(release.id),
        template_release_id=opts.template_release or str(release.id),
        debug=release.debug,
        drain_s=drain_s,
        weight=opts.gray_weight if gray else None,
    )


class RolloutSteps:
    """The steps of every strategy, against the database, the clusters and k8s-sync."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clusters: Clusters,
        ingress: IngressSync,
        *,
        drain_s: float,
        draining: Draining | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clusters = clusters
        self._ingress = ingress
        self._drain_s = drain_s
        self._draining = draining or Draining()
        self._hold = IngressHold(sessionmaker, ingress)

    async def load(self, rollout_id: int) -> tuple[Release, Rollout, AppType]:
        async with session_scope(self._sessionmaker) as session:
            rollout = await session.get(Rollout, rollout_id)
            assert rollout is not None
            release = await session.get(Release, rollout.release_id)
            assert release is not None
            app = await session.get(App, release.app)
            assert app is not None
            return release, rollout, AppType(app.type)

    async def step(
        self, release: Release, rollout: Rollout, app_type: AppType, phase: RolloutPhase
    ) -> bool:
        """One unit of work; True if the rollout moved on."""
        if phase == RolloutPhase.PENDING:
            return False  # started by the plan driver (release_api.plans.driver), in its wave
        if phase == RolloutPhase.APPLYING:
            return await self._apply(release, rollout, app_type)
        if phase == RolloutPhase.WAITING_READY:
            return await self._wait_ready(release, rollout, app_type)
        if phase == RolloutPhase.WAITING_PROMOTE:
            return await self._wait_promote(release, rollout, app_type)
        if phase == RolloutPhase.WAITING_INGRESS:
            return await self._wait_ingress(release, rollout)
        raise StepFailed(f"phase {phase} has no step")

    async def _move(
        self,
        release: Release,
        rollout: Rollout,
        to: RolloutPhase,
        *,
        reason: str | None = None,
        timeout_s: float | None = None,
        progress: ProgressChanges | None = None,
        **fields: Any,
    ) -> bool:
        async with session_scope(self._sessionmaker) as session:
            await ReleaseRepository(session).lock(release.id)  # first: releases.events
            current = await session.get(Rollout, rollout.id, with_for_update=True)
            assert current is not None
            if current.phase != rollout.phase:
                return False
            for key, value in fields.items():
                setattr(current, key, value)
            if progress:
                current.progress = with_changes(current.progress, progress)
            moved = await machine.transition(
                session, release, current, to, reason=reason, timeout_s=timeout_s
            )
            if moved and to.is_terminal:
                await machine.finish_if_done(session, release.id)
            return moved

    async def _save_progress(self, rollout: Rollout, changes: ProgressChanges) -> None:
        async with session_scope(self._sessionmaker) as session:
            current = await session.get(Rollout, rollout.id, with_for_update=True)
            assert current is not None
            current.progress = with_changes(current.progress, changes)

    def _timeout(self, release: Release) -> float:
        return options(release).timeout_s

    async def _apply(self, release: Release, rollout: Rollout, app_type: AppType) -> bool:
        api = await self._clusters.api(rollout.cluster)
        spec = AppSpec.model_validate(release.spec)
        progress: ProgressChanges = {}
        if release.strategy == Strategy.BLUE_GREEN.value and progress_of(rollout).idle is None:
            live = await kubeops.live_stage(api, rollout.namespace, release.app)
            idle = Stage.GREEN if live == Stage.BLUE else Stage.BLUE
            progress = {"live": live, "idle": idle}
            rollout.progress = with_changes(rollout.progress, progress)
        stage = machine.stage_of(release, rollout)
        target = target_of(release, rollout, app_type, self._drain_s, stage)
        target = replace(target, sleep_hook=await self._clusters.sleep_hook(rollout.cluster))
        manifests = render(spec, target)
        name = object_name(release.app, stage)
        previous = rollout.previous
        if stage == Stage.STABLE and previous is None:
            current = await kubeops.read_deployment(api, rollout.namespace, name)
            carries = ((current or {}).get("metadata") or {}).get("annotations") or {}
            if current is not None and carries.get(labels.RELEASE) != str(release.id):
                previous = kubeops.rollback_target(current)
        if stage == Stage.STABLE and previous is not None:
            if await self._hold.check(release, rollout, api, name):
                return False  # nothing replaced yet: applied once the ingress follows
        if stage == Stage.GRAY:
            await kubeops.apply_service(api, manifests["service"])
        elif stage == Stage.STABLE:
            live = await kubeops.live_stage(api, rollout.namespace, release.app)
            if live in (None, Stage.STABLE):
                await kubeops.apply_service(api, manifests["service"])
            else:  # a colour is live: switch to stable only once stable is ready
                progress["switch_to_stable"] = True
        # blue-green: the live Service is switched at promote
        generation = await kubeops.apply_deployment(api, manifests["deployment"])
        return await self._move(
            release,
            rollout,
            RolloutPhase.WAITING_READY,
            timeout_s=self._timeout(release),
            progress=progress,
            generation=generation,
            previous=previous,
        )

    async def _wait_ready(self, release: Release, rollout: Rollout, app_type: AppType) -> bool:
        _check_deadline(rollout, "timed out waiting for the deployment to roll out")
        api = await self._clusters.api(rollout.cluster)
        stage = machine.stage_of(release, rollout)
        name = object_name(release.app, stage)
        deployment = await kubeops.read_deployment(api, rollout.namespace, name)
        if deployment is None:
            raise StepFailed(f"deployment {rollout.namespace}/{name} disappeared")
        status = kubeops.rollout_status(deployment, rollout.generation or 1)
        if status.failed:
            raise StepFailed(status.failed)
        if stage == Stage.STABLE and (not status.done or kubeops.held(deployment)):
            if await self._hold.check(release, rollout, api, name, deployment=deployment):
                return False
        if [status.updated, status.ready] != progress_of(rollout).seen:
            await self._progress(release, rollout, status)
        if status.done:
            if stage == Stage.STABLE and progress_of(rollout).switch_to_stable:
                stable = target_of(release, rollout, app_type, self._drain_s, Stage.STABLE)
                main = service(AppSpec.model_validate(release.spec), stable)
                await kubeops.apply_service(api, main)
            nxt = RolloutPhase.WAITING_INGRESS
            if release.strategy == Strategy.BLUE_GREEN.value:
                nxt = RolloutPhase.WAITING_PROMOTE
            return await self._move(release, rollout, nxt, progress={"promote_wait_from": _now()})
        _, stuck = await kubeops.release_pods(
            api, rollout.namespace, selector(release.app, release.env, stage), _template_id(release)
        )
        if stuck:
            raise StepFailed("pods cannot start: " + "; ".join(stuck[:5]))
        return False

    async def _progress(
        self, release: Release, rollout: Rollout, status: kubeops.RolloutStatus
    ) -> None:
        async with session_scope(self._sessionmaker) as session:
            await ReleaseRepository(session).lock(release.id)  # first: releases.events
            current = await session.get(Rollout, rollout.id, with_for_update=True)
            assert current is not None
            current.progress = with_changes(
                current.progress,
                {
                    "desired": status.desired,
                    "updated": status.updated,
                    "ready": status.ready,
                    "message": status.message,
                    "seen": [status.updated, status.ready],
                },
            )
            await record(
                session,
                release.id,
                RolloutProgressedV1(
                    release_id=release.id,
                    app=release.app,
                    env=release.env,
                    cluster=rollout.cluster,
                    desired=status.desired,
                    updated=status.updated,
                    ready=status.ready,
                ),
            )

    async def _wait_promote(self, release: Release, rollout: Rollout, app_type: AppType) -> bool:
        opts = options(release)
        progress = progress_of(rollout)
        promoted = opts.promoted
        canary = gates.canary_verdict(release, rollout)
        if canary is not None:  # the gray step is judged: its verdict decides, not a timer
            verdict, reason = canary
            if verdict == Verdict.FAILED:
                raise StepFailed(f"canary analysis failed: {reason}")
            promoted = promoted or verdict == Verdict.PASSED
        elif not promoted and opts.auto_promote_s is not None:
            since = progress.promote_wait_from or _now()
            promoted = _now() >= since + timedelta(seconds=opts.auto_promote_s)
        if not promoted:
            return False
        api = await self._clusters.api(rollout.cluster)
        if release.strategy == Strategy.BLUE_GREEN.value:
            if progress.idle is None:
                raise StepFailed("blue-green: no colour was deployed to promote")
            colour = target_of(release, rollout, app_type, self._drain_s, progress.idle)
            live = service(AppSpec.model_validate(release.spec), colour, name=release.app)
            await kubeops.apply_service(api, live)
            return await self._move(
                release,
                rollout,
                RolloutPhase.WAITING_INGRESS,
                timeout_s=self._timeout(release),
                progress={"switched": True},
            )
        # gray: promote → roll stable to the new image
        return await self._move(
            release,
            rollout,
            RolloutPhase.APPLYING,
            timeout_s=self._timeout(release),
            progress={"step": "stable", "seen": None},
        )

    async def _wait_ingress(self, release: Release, rollout: Rollout) -> bool:
        progress = progress_of(rollout)
        if progress.sync_failed:
            raise StepFailed(f"k8s-sync could not apply: {progress.sync_failed}")
        remaining = time_left(rollout)
        if remaining <= 0:
            raise StepFailed("timed out before the ingress confirmed the new pods")
        api = await self._clusters.api(rollout.cluster)
        stage = machine.stage_of(release, rollout)
        gray = release.strategy == Strategy.GRAY.value
        if gray and stage == Stage.STABLE:
            await kubeops.remove_stage(api, rollout.namespace, release.app, Stage.GRAY)
        want, _ = await kubeops.release_pods(
            api, rollout.namespace, selector(release.app, release.env, stage), _template_id(release)
        )
        if gray and stage == Stage.GRAY:  # gray beside the pods the main Service serves now
            live = await kubeops.live_stage(api, rollout.namespace, release.app) or Stage.STABLE
            want += await kubeops.ready_pods(
                api, rollout.namespace, selector(release.app, release.env, live)
            )
        try:
            answer = await self._draining.unless(
                self._ingress.wait(
                    release.app, release.env, rollout.cluster, sorted(want), min(remaining, 30.0)
                )
            )
        except IngressNotConfigured as exc:
            raise StepFailed(str(exc)) from None
        if answer is None:
            return False  # this replica hands over: the next leader waits again
        ok, why = answer
        if not ok:
            if time_left(rollout) <= 0:
                raise StepFailed(why)
            return False  # the ready set may have changed (a pod restarted): look again
        if gray and stage == Stage.GRAY:
            return await self._move(
                release,
                rollout,
                RolloutPhase.WAITING_PROMOTE,
                progress={"promote_wait_from": _now()},
            )
        done: ProgressChanges = {}
        if stage == Stage.STABLE:  # colours of an earlier blue-green release are not live now
            for colour in (Stage.BLUE, Stage.GREEN):
                await kubeops.scale_if_present(
                    api, rollout.namespace, object_name(release.app, colour), 0
                )
        if release.strategy == Strategy.BLUE_GREEN.value and progress.live is not None:
            delay = options(release).scale_down_delay_s
            done = {"scale_down_at": _now() + timedelta(seconds=delay)}
        return await self._move(release, rollout, RolloutPhase.SUCCEEDED, progress=done)

    async def scale_down_old_colours(self) -> None:
        """Blue-green: the old colour, kept for an instant rollback, goes after its delay."""
        async with session_scope(self._sessionmaker) as session:
            rows = await RolloutRepository(session).old_colours_pending()
        for rollout, release in rows:
            progress = progress_of(rollout)
            if progress.scale_down_at is None or progress.scale_down_at > _now():
                continue
            if gates.holds_old_colour(release, rollout):
                continue  # the old colour stays until the wave's analysis let it go
            old = progress.live
            if old is None:
                continue
            api = await self._clusters.api(rollout.cluster)
            if await kubeops.live_stage(api, rollout.namespace, release.app) != old:
                await kubeops.scale(api, rollout.namespace, object_name(release.app, old), 0)
            await self._save_progress(rollout, {"scaled_down": _now()})

    async def undo(
        self, release: Release, rollout: Rollout, reason: str, *, aborted: bool = False
    ) -> None:
        log.warning("rollout_undo", release=str(release.id), cluster=rollout.cluster, reason=reason)
        release, fresh, _ = await self.load(rollout.id)
        if fresh.phase != rollout.phase or RolloutPhase(fresh.phase).is_terminal:
            return
        await self._put_back_then(release, fresh, reason, aborted=aborted)

    async def revert(self, release: Release, rollout: Rollout, reason: str) -> None:
        """Put a cluster that succeeded back as it was before the release (rolled-back)."""
        log.warning(
            "rollout_revert", release=str(release.id), cluster=rollout.cluster, reason=reason
        )
        release, fresh, _ = await self.load(rollout.id)
        if fresh.phase != RolloutPhase.SUCCEEDED.value:
            return
        await self._put_back_then(release, fresh, reason, aborted=False)

    async def _put_back_then(
        self, release: Release, fresh: Rollout, reason: str, *, aborted: bool
    ) -> None:
        """Put the cluster back (retrying what an outage stops), then move the rollout to
        aborted / rolled-back, or failed when that failed too."""
        backoff = Backoff(cap_s=10.0)
        started = asyncio.get_running_loop().time()
        while True:
            try:
                api = await self._clusters.api(fresh.cluster)
                put = await putback.put_back(api, release, fresh)
                break
            except Exception as exc:
                # An undo that cannot run yet (registry, database or the cluster's API away)
                # is retried, not reported as failed while it could still succeed.
                waited = asyncio.get_running_loop().time() - started
                if outage(exc) is not None and self._draining.is_set():
                    return  # nothing was put back yet: the next leader undoes it
                if outage(exc) is not None and waited < UNDO_PATIENCE_S:
                    log.warning("rollout_undo_waiting", cluster=fresh.cluster, error=why(exc))
                    await backoff.wait()
                    continue
                if not isinstance(exc, (*ROLLOUT_FAULTS, putback.NotReadyInTime)):
                    raise
                await self._move(
                    release,
                    fresh,
                    RolloutPhase.FAILED,
                    reason=f"{reason}; putting it back failed too: {why(exc)}",
                )
                return
        if aborted:
            to = RolloutPhase.ABORTED
        else:
            to = RolloutPhase.ROLLED_BACK if put else RolloutPhase.FAILED
        await self._move(release, fresh, to, reason=reason)


def _template_id(release: Release) -> str:
    return options(release).template_release or str(release.id)


def _now() -> datetime:
    return datetime.now(UTC)


def time_left(rollout: Rollout) -> float:
    """Seconds left before this cluster's deadline."""
    if rollout.deadline is None:
        return 600.0
    return (rollout.deadline - _now()).total_seconds()


def _check_deadline(rollout: Rollout, message: str) -> None:
    if time_left(rollout) <= 0:
        raise StepFailed(message)


def why(exc: BaseException) -> str:
    """A failure's reason as a rollout's error reads it."""
    if isinstance(exc, ApiException):
        return f"Kubernetes API {exc.status}: {exc.reason}"
    return str(exc) or type(exc).__name__
