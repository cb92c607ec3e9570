"""The rollout runner: schedules every unfinished per-cluster rollout, each on its own.

State lives in PostgreSQL, so a restarted release-api picks every unfinished rollout up from its
last phase. A step does one unit of work and returns; the driver re-reads the rollout and its
release before each step (so pause, abort and promote are seen at once). Steps are safe to
repeat: applying writes the rendered objects with create-or-replace, waiting steps only read.
Phase changes are compare-and-set with their event in the same transaction, so no event is
doubled. One replica runs rollouts at a time (PostgreSQL advisory lock).
What each phase does per strategy is release_api.rollouts.steps.

Hand-over (flotilla_runtime.shutdown): when this replica starts draining, each rollout finishes
the step it is in — a step that writes is never cut in half, so the next leader never applies
it twice; a wait (the ingress, a Deployment) ends early, having changed nothing — and starts no
other; then the runner lets go of the leader lock and another replica goes on from the phases
in the database within its next lock check.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import structlog
from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.enums import ReleasePhase, RolloutPhase
from flotilla_runtime.db import session_scope
from flotilla_runtime.shutdown import Draining
from flotilla_runtime.transient import outage
from release_api.analysis.analyst import Analyst
from release_api.analysis.client import Measurements
from release_api.clients import Clusters, IngressSync, Registry
from release_api.plans.driver import PlanDriver
from release_api.rollouts import machine
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.steps import ROLLOUT_FAULTS, RolloutSteps, options, time_left, why

log = structlog.get_logger(__name__)
IDLE_SLEEP_S = 0.5
HANDOVER_S = 10.0  # the longest a draining runner waits for its steps under way


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
        draining: Draining | None = None,
        step_down: Callable[[], None] | None = None,
        registry: Registry | None = None,
        measurements: Measurements | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clusters = clusters
        self._ingress = ingress
        self._draining = draining or Draining()
        self._steps = RolloutSteps(
            sessionmaker, clusters, ingress, drain_s=drain_s, draining=self._draining
        )
        analyst = Analyst(sessionmaker, measurements) if measurements is not None else None
        self._plans = PlanDriver(sessionmaker, self._steps, registry, analyst)
        self._poll_s = poll_s
        self._is_leader = is_leader
        self._step_down = step_down
        self._tasks: dict[int, asyncio.Task[None]] = {}

    async def run(self) -> None:
        try:
            while True:
                if self._draining.is_set():
                    await self._hand_over()
                    await asyncio.Event().wait()  # until the lifespan cancels the workers
                if self._leading():
                    try:
                        await self._plans.advance()
                        await self._start_unfinished()
                        await self._steps.scale_down_old_colours()
                    except Exception as exc:
                        if (away := outage(exc)) is None:
                            raise
                        log.warning("runner_waiting", dependency=away, error=repr(exc))
                await self._nap(self._poll_s)
        finally:
            for task in self._tasks.values():
                task.cancel()
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
            await self._plans.close()
            await self._clusters.close()
            await self._ingress.http.aclose()

    async def _hand_over(self) -> None:
        """Draining: let the steps under way finish, start none, then let go of the lock."""
        tasks = [*self._tasks.values(), *self._plans.busy]
        if tasks:
            log.info("runner_handing_over", rollouts=len(tasks))
            _, stuck = await asyncio.wait(tasks, timeout=HANDOVER_S)
            for task in stuck:  # a step that hangs (a cluster that never answers)
                log.warning("rollout_step_cut_at_handover", task=task.get_name())
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        if self._step_down is not None:
            self._step_down()

    def _leading(self) -> bool:
        return self._is_leader is None or self._is_leader()

    async def _nap(self, seconds: float) -> None:
        """Sleep, or less when draining begins."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._draining.wait()

    async def _start_unfinished(self) -> None:
        async with session_scope(self._sessionmaker) as session:
            rows = await RolloutRepository(session).unfinished_ids()
            for rollout_id in rows:
                if rollout_id not in self._tasks:
                    self._tasks[rollout_id] = asyncio.create_task(
                        self._drive(rollout_id), name=f"rollout:{rollout_id}"
                    )

    async def _drive(self, rollout_id: int) -> None:
        """Step one rollout until it is finished, paused or its release is not running, or
        this replica stops leading: the step under way ends, and the replica that leads now
        picks the rollout up (two replicas stepping one rollout would race on its
        Deployment's pause and on its phase)."""
        try:
            while not self._draining.is_set() and self._leading():
                try:
                    release, rollout, app_type = await self._steps.load(rollout_id)
                except Exception as exc:
                    if (unread := outage(exc)) is None:
                        raise
                    log.warning("rollout_waiting", rollout=rollout_id, dependency=unread)
                    await self._nap(1.0)
                    continue
                if release.phase != ReleasePhase.RUNNING.value:
                    return  # paused or finished: picked up again when it runs
                phase = RolloutPhase(rollout.phase)
                if phase.is_terminal:
                    async with session_scope(self._sessionmaker) as session:
                        await machine.finish_if_done(session, release.id)
                    return
                try:
                    if options(release).abort_requested:
                        await self._steps.undo(
                            release, rollout, "aborted by an operator", aborted=True
                        )
                        continue
                    if not await self._steps.step(release, rollout, app_type, phase):
                        await self._nap(IDLE_SLEEP_S)
                except Exception as exc:
                    # An outage of the registry, k8s-sync, the database or the cluster's API
                    # is waited out until this cluster's deadline; a fault of the cluster (or
                    # the deadline) fails the rollout and puts the cluster back.
                    away = outage(exc) or _conflict(exc)
                    if away is not None and time_left(rollout) > 0:
                        log.warning(
                            "rollout_waiting",
                            cluster=rollout.cluster,
                            dependency=away,
                            error=why(exc),
                        )
                        await self._nap(1.0)
                        continue
                    if away is None and not isinstance(exc, ROLLOUT_FAULTS):
                        raise
                    await self._steps.undo(release, rollout, why(exc))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("rollout_step_crashed", rollout=rollout_id)
            await asyncio.sleep(1.0)  # picked up again on the next pass
        finally:
            self._tasks.pop(rollout_id, None)


def _conflict(exc: BaseException) -> str | None:
    """A write that lost a race on resourceVersion (409): not an outage, but the next step
    reads the object again, so it is retried the same way."""
    return "conflict" if isinstance(exc, ApiException) and exc.status == 409 else None
