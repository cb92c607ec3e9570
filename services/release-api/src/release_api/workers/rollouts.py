"""The rollout runner: drives every unfinished per-cluster rollout, each on its own.

State lives in PostgreSQL, so a restarted release-api picks every unfinished rollout up from its
last phase. Each step is safe to repeat: `applying` writes the rendered objects with
create-or-replace and notices when the Deployment already carries this release; waiting steps
only read. Phase changes are compare-and-set with their event in the same transaction, so no
event is doubled. One replica runs rollouts at a time (PostgreSQL advisory lock).

A rollout (rolling strategy): pending → applying → waiting-ready (the rules of `kubectl rollout
status`) → waiting-ingress (k8s-sync's wait: the ingress serves exactly this release's ready
pods of this cluster) → succeeded. A failure, the cluster's deadline, or pods that cannot pull
their image or keep crashing: the cluster's Deployment is put back as it was before the release
(rolled-back), or left failed when there was nothing before. Other clusters are not touched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts import labels
from flotilla_contracts.enums import AppType, ReleasePhase, RolloutPhase, Stage
from flotilla_contracts.events import RolloutProgressedV1
from flotilla_runtime.db import session_scope
from flotilla_runtime.errors import FlotillaError
from release_api import kubeops
from release_api.apps.schemas import AppSpec
from release_api.clients import Clusters, IngressSync
from release_api.manifests.render import Target, object_name, render
from release_api.models import App, Release, Rollout
from release_api.releases import service

log = structlog.get_logger(__name__)


class StepFailed(Exception):
    """This cluster's rollout cannot go on; the message says why."""


def target_of(release: Release, rollout: Rollout, app_type: AppType, drain_s: float) -> Target:
    return Target(
        app=release.app,
        app_type=app_type,
        env=release.env,
        cluster=rollout.cluster,
        idc=rollout.idc,
        namespace=rollout.namespace,
        image=release.image,
        replicas=rollout.replicas,
        stage=Stage.STABLE,
        release_id=str(release.id),
        debug=release.debug,
        drain_s=drain_s,
    )


class RolloutRunner:
    name = "rollout-runner"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clusters: Clusters,
        ingress: IngressSync,
        *,
        drain_s: float,
        poll_s: float = 0.25,
        is_leader: Callable[[], bool] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clusters = clusters
        self._ingress = ingress
        self._drain_s = drain_s
        self._poll_s = poll_s
        self._is_leader = is_leader
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self.steps_run = 0

    async def run(self) -> None:
        try:
            while True:
                if self._is_leader is None or self._is_leader():
                    try:
                        await self._start_unfinished()
                    except OSError as exc:  # the database is away: try again
                        log.warning("runner_db_unavailable", error=repr(exc))
                await asyncio.sleep(self._poll_s)
        finally:
            for task in self._tasks.values():
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            await self._clusters.close()
            await self._ingress.http.aclose()

    async def _start_unfinished(self) -> None:
        async with session_scope(self._sessionmaker) as session:
            rows = (
                await session.execute(
                    select(Rollout.id)
                    .join(Release, Release.id == Rollout.release_id)
                    .where(
                        Rollout.phase.notin_([p.value for p in RolloutPhase if p.is_terminal]),
                        Release.phase == ReleasePhase.RUNNING.value,
                    )
                )
            ).scalars()
            for rollout_id in rows:
                if rollout_id not in self._tasks:
                    self._tasks[rollout_id] = asyncio.create_task(
                        self._drive(rollout_id), name=f"rollout:{rollout_id}"
                    )

    async def _drive(self, rollout_id: int) -> None:
        try:
            while True:
                async with session_scope(self._sessionmaker) as session:
                    rollout = await session.get(Rollout, rollout_id)
                    assert rollout is not None
                    release = await session.get(Release, rollout.release_id)
                    assert release is not None
                    app = await session.get(App, release.app)
                    assert app is not None
                    app_type = AppType(app.type)
                if release.phase != ReleasePhase.RUNNING.value:
                    return  # paused or finished: picked up again when it runs
                phase = RolloutPhase(rollout.phase)
                if phase.is_terminal:
                    async with session_scope(self._sessionmaker) as session:
                        await service.finish_if_done(session, release.id)
                    return
                self.steps_run += 1
                try:
                    await self._step(release, rollout, app_type, phase)
                except (StepFailed, ApiException, FlotillaError, TimeoutError) as exc:
                    await self._fail(release, rollout, app_type, _reason(exc))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("rollout_step_crashed", rollout=rollout_id)
            await asyncio.sleep(1.0)  # picked up again on the next pass
        finally:
            self._tasks.pop(rollout_id, None)

    async def _step(
        self, release: Release, rollout: Rollout, app_type: AppType, phase: RolloutPhase
    ) -> None:
        if phase == RolloutPhase.PENDING:
            await self._move(release, rollout, RolloutPhase.APPLYING)
        elif phase == RolloutPhase.APPLYING:
            await self._apply(release, rollout, app_type)
        elif phase == RolloutPhase.WAITING_READY:
            await self._wait_ready(release, rollout)
        elif phase == RolloutPhase.WAITING_INGRESS:
            await self._wait_ingress(release, rollout)
        else:
            raise StepFailed(f"phase {phase} is not handled by the rolling strategy")

    async def _move(
        self,
        release: Release,
        rollout: Rollout,
        to: RolloutPhase,
        *,
        reason: str | None = None,
        timeout_s: float | None = None,
        **fields: Any,
    ) -> bool:
        async with session_scope(self._sessionmaker) as session:
            current = await session.get(Rollout, rollout.id, with_for_update=True)
            assert current is not None
            if current.phase != rollout.phase:
                return False
            for key, value in fields.items():
                setattr(current, key, value)
            moved = await service.transition(
                session, release, current, to, reason=reason, timeout_s=timeout_s
            )
            if moved and to.is_terminal:
                await service.finish_if_done(session, release.id)
            return moved

    async def _apply(self, release: Release, rollout: Rollout, app_type: AppType) -> None:
        api = await self._clusters.api(rollout.cluster)
        spec = AppSpec.model_validate(release.spec)
        target = target_of(release, rollout, app_type, self._drain_s)
        manifests = render(spec, target)
        name = object_name(release.app, Stage.STABLE)
        current = await kubeops.read_deployment(api, rollout.namespace, name)
        previous = rollout.previous
        if current is not None and previous is None:
            carries = (current.get("metadata") or {}).get("annotations") or {}
            if carries.get("flotilla.io/release") != str(release.id):
                previous = kubeops.rollback_target(current)
        await kubeops.apply_service(api, manifests["service"])
        generation = await kubeops.apply_deployment(api, manifests["deployment"])
        timeout = float((release.options or {}).get("timeout_s", 600))
        await self._move(
            release,
            rollout,
            RolloutPhase.WAITING_READY,
            timeout_s=timeout,
            generation=generation,
            previous=previous,
        )

    async def _wait_ready(self, release: Release, rollout: Rollout) -> None:
        api = await self._clusters.api(rollout.cluster)
        name = object_name(release.app, Stage.STABLE)
        seen: tuple[int, int] | None = None
        while True:
            _check_deadline(rollout)
            deployment = await kubeops.read_deployment(api, rollout.namespace, name)
            if deployment is None:
                raise StepFailed(f"deployment {rollout.namespace}/{name} disappeared")
            status = kubeops.rollout_status(deployment, rollout.generation or 1)
            if status.failed:
                raise StepFailed(status.failed)
            if (status.updated, status.ready) != seen:
                seen = (status.updated, status.ready)
                await self._progress(release, rollout, status)
            if status.done:
                await self._move(release, rollout, RolloutPhase.WAITING_INGRESS)
                return
            _, stuck = await kubeops.release_pods(
                api, rollout.namespace, _selector(release), str(release.id)
            )
            if stuck:
                raise StepFailed("pods cannot start: " + "; ".join(stuck[:5]))
            await asyncio.sleep(0.5)

    async def _progress(
        self, release: Release, rollout: Rollout, status: kubeops.RolloutStatus
    ) -> None:
        async with session_scope(self._sessionmaker) as session:
            current = await session.get(Rollout, rollout.id)
            assert current is not None
            current.progress = {
                "desired": status.desired,
                "updated": status.updated,
                "ready": status.ready,
                "message": status.message,
            }
            await service.record(
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

    async def _wait_ingress(self, release: Release, rollout: Rollout) -> None:
        api = await self._clusters.api(rollout.cluster)
        ready, _ = await kubeops.release_pods(
            api, rollout.namespace, _selector(release), str(release.id)
        )
        remaining = _remaining(rollout)
        if remaining <= 0:
            raise StepFailed("timed out before the ingress confirmed the new pods")
        ok, why = await self._ingress.wait(
            release.app, release.env, rollout.cluster, ready, min(remaining, 60.0)
        )
        if ok:
            await self._move(release, rollout, RolloutPhase.SUCCEEDED)
        elif _remaining(rollout) <= 0:
            raise StepFailed(why)
        # else: try again (the ready set may have changed, e.g. a pod restarted)

    async def _fail(
        self, release: Release, rollout: Rollout, app_type: AppType, reason: str
    ) -> None:
        log.warning(
            "rollout_failed", release=str(release.id), cluster=rollout.cluster, reason=reason
        )
        async with session_scope(self._sessionmaker) as session:
            fresh = await session.get(Rollout, rollout.id)
            assert fresh is not None
        if fresh.phase != rollout.phase:
            return
        if fresh.previous:
            try:
                api = await self._clusters.api(rollout.cluster)
                await kubeops.restore_deployment(
                    api, rollout.namespace, object_name(release.app, Stage.STABLE), fresh.previous
                )
            except (ApiException, FlotillaError, OSError) as exc:
                await self._move(
                    release,
                    rollout,
                    RolloutPhase.FAILED,
                    reason=f"{reason}; rollback failed too: {_reason(exc)}",
                )
                return
            await self._move(release, rollout, RolloutPhase.ROLLED_BACK, reason=reason)
        else:
            await self._move(release, rollout, RolloutPhase.FAILED, reason=reason)


def _selector(release: Release) -> dict[str, str]:
    return {
        labels.APP: release.app,
        labels.ENV: release.env,
        labels.STAGE: Stage.STABLE.value,
        labels.ISOLATED: "false",
    }


def _remaining(rollout: Rollout) -> float:
    if rollout.deadline is None:
        return 600.0
    return (rollout.deadline - datetime.now(UTC)).total_seconds()


def _check_deadline(rollout: Rollout) -> None:
    if _remaining(rollout) <= 0:
        raise StepFailed("timed out waiting for the deployment to roll out")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ApiException):
        return f"Kubernetes API {exc.status}: {exc.reason}"
    return str(exc) or type(exc).__name__
