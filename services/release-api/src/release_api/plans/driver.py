"""The plan driver: moves each running release through its waves (flotilla_contracts.plans).

It runs in the rollout runner's loop, on the replica that holds the runner's lock, and looks
at every running release each pass, in one transaction per release under the release's row
lock, so what it decides is decided once (a restarted release-api goes on from the state in
`releases.plan`: no cluster started twice, no wave skipped). Per release:

1. **Stopping.** Once more clusters failed than the failure policy allows (counting from the
   last time a person resumed), no cluster is started any more; when none is under way, the
   release pauses (`pause`: a person resumes it, and it goes on with what is left) or puts
   back every cluster it changed, newest first (`rollback`), and ends.
2. **A wave starts** (unless a freeze window is in force: then the release holds at the
   boundary, `io.flotilla.release.paused`, and goes on when the window ends).
3. **Admission.** The wave's clusters start, at most `max_parallel` under way at once, in the
   order the plan lists them (pending → applying; the runner drives each from there).
4. **Soak.** Once every cluster of the wave is done, the wave is watched `soak_s`
   (`skip-soak`: an admin ends it) and, when the release has an analysis template, judged by
   its metrics (release_api.analysis.analyst samples; the soak lasts until the analysis has a
   verdict): *passed*, the wave goes on; *failed*, the clusters it failed in (every cluster of
   the wave when a wave-level condition failed) are put back at once, all together, and the
   failure policy applies as for any failed cluster; *inconclusive*, the release waits in
   `waiting-approval` for a person (approve: go on; reject: as at a gate).
5. **Gate.** `approval`: the release waits in `waiting-approval` for a person the
   environment's approval rule names (release_api.releases.approvals); `auto`: the next wave.
6. After the last wave, the release may end (`finished`); machine.finish_if_done decides the
   outcome.

An abort stops the clusters under way (the runner puts them back) and ends those not started;
with `rollback_all` (the one-command fleet rollback) the clusters that had succeeded are put
back too, all at once.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.analysis import Verdict
from flotilla_contracts.enums import ReleasePhase, RolloutPhase, Strategy
from flotilla_contracts.events import (
    ReleasePausedV1,
    ReleaseResumedV1,
    ReleaseWaitingApprovalV1,
    ReleaseWaveStartedV1,
    ReleaseWaveSucceededV1,
)
from flotilla_contracts.plans import FreezeWindow, Gate, OnFailure
from flotilla_runtime import freeze
from flotilla_runtime.db import session_scope
from flotilla_runtime.transient import outage
from release_api.analysis.analyst import Analyst
from release_api.clients import Registry
from release_api.models import Release, Rollout
from release_api.plans.state import CheckProgress, PlanState, WaveAnalysis, WaveState
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository
from release_api.releases.schemas import ApprovalOut
from release_api.rollouts import machine
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.state import RolloutProgress, RunOptions
from release_api.rollouts.steps import RolloutSteps

log = structlog.get_logger(__name__)
FAILED = (RolloutPhase.FAILED.value, RolloutPhase.ROLLED_BACK.value)
WINDOWS_FRESH_S = 2.0  # how long the freeze windows read from cluster-registry are reused


class PlanDriver:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        steps: RolloutSteps,
        registry: Registry | None = None,
        analyst: Analyst | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._steps = steps
        self._registry = registry
        self._analyst = analyst
        self._windows: dict[str, tuple[float, list[FreezeWindow]]] = {}
        self._reverting: dict[uuid.UUID, asyncio.Task[None]] = {}  # release → its put-backs
        self._envs: dict[uuid.UUID, str] = {}  # release → its environment (never changes)

    @property
    def busy(self) -> list[asyncio.Task[None]]:
        """Put-backs under way (the runner waits for them when it hands over)."""
        return [t for t in self._reverting.values() if not t.done()]

    async def advance(self) -> None:
        """One pass over every release that is running."""
        async with session_scope(self._sessionmaker) as session:
            ids = await ReleaseRepository(session).running_ids()
        running = set(ids)  # forget what was kept for releases no longer running
        self._envs = {k: v for k, v in self._envs.items() if k in running}
        self._reverting = {k: t for k, t in self._reverting.items() if k in running or not t.done()}
        for release_id in ids:
            task = self._reverting.get(release_id)
            if task is not None and not task.done():
                continue  # putting its clusters back: looked at again once that is done
            try:
                reverts = await self._advance(release_id)
            except Exception as exc:
                if (away := outage(exc)) is None:
                    raise
                log.warning("plan_waiting", release=str(release_id), dependency=away)
                continue
            if reverts[0]:
                self._reverting[release_id] = asyncio.create_task(
                    self._revert(reverts), name=f"revert:{release_id}"
                )

    async def close(self) -> None:
        for task in self._reverting.values():
            task.cancel()
        await asyncio.gather(*self._reverting.values(), return_exceptions=True)
        if self._analyst is not None:
            await self._analyst.close()

    async def _advance(self, release_id: uuid.UUID) -> tuple[list[int], bool, str]:
        """Decide this pass; returns the succeeded rollouts to put back (after the
        transaction: they call the clusters), whether at once, and why."""
        windows = await self._freeze_windows(release_id)
        async with session_scope(self._sessionmaker) as session:
            release = await ReleaseRepository(session).for_update(release_id)
            if release is None or release.phase != ReleasePhase.RUNNING.value:
                return [], False, ""
            rollouts = await RolloutRepository(session).of_release(release.id)
            plan = PlanState.of(release.plan, [r.cluster for r in rollouts])
            pass_ = _Pass(session, release, plan, rollouts, windows)
            reverts = await pass_.run()
            release.plan = plan.stored()
            if plan.finished:
                await session.flush()
                await machine.finish_if_done(session, release.id)
            running = release.phase == ReleasePhase.RUNNING.value
            analyse = pass_.analyse and running
            canaries = pass_.canaries if running else []
            job = (release.id, release.app, release.env, release.image)
        if self._analyst is not None:  # after the commit: it reads what was decided
            if analyse:
                self._analyst.ensure(*job, plan)
            for cluster in canaries:
                self._analyst.ensure(*job, plan, canary=cluster)
        return reverts

    async def _revert(self, work: tuple[list[int], bool, str]) -> None:
        """Put the clusters back (the next pass looks again at what is left)."""
        ids, at_once, reason = work
        try:
            if at_once:
                await asyncio.gather(*(self._revert_one(i, reason) for i in ids))
            else:
                for rollout_id in ids:  # newest first, one after the other
                    await self._revert_one(rollout_id, reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an outage: tried again on a later pass
            if outage(exc) is None:
                log.exception("plan_revert_crashed", rollouts=ids)
            else:
                log.warning("plan_revert_waiting", rollouts=ids, error=repr(exc))

    async def _revert_one(self, rollout_id: int, reason: str) -> None:
        release, rollout, _ = await self._steps.load(rollout_id)
        await self._steps.revert(release, rollout, reason)

    async def _freeze_windows(self, release_id: uuid.UUID) -> list[FreezeWindow] | None:
        """The environment's freeze windows as cluster-registry has them now (reused for
        WINDOWS_FRESH_S), or None: the ones the release was created with are used."""
        if self._registry is None:
            return None
        env = self._envs.get(release_id)
        if env is None:
            async with session_scope(self._sessionmaker) as session:
                env = await ReleaseRepository(session).env_of(release_id)
            if env is None:
                return None
            self._envs[release_id] = env
        now = asyncio.get_running_loop().time()
        known = self._windows.get(env)
        if known is not None and now - known[0] < WINDOWS_FRESH_S:
            return known[1]
        try:
            target = await self._registry.target(env)
        except Exception as exc:
            if outage(exc) is None:
                raise
            return known[1] if known else None
        windows = list(target.policy.freeze_windows)
        self._windows[env] = (now, windows)
        return windows


class _Pass:
    """One release, one pass of the driver, inside its transaction."""

    def __init__(
        self,
        session: AsyncSession,
        release: Release,
        plan: PlanState,
        rollouts: list[Rollout],
        windows: list[FreezeWindow] | None,
    ) -> None:
        self.session = session
        self.release = release
        self.plan = plan
        self.rollouts = rollouts
        self.windows = windows if windows is not None else plan.freeze_windows
        self.opts = RunOptions.of(release.options)
        self.now = datetime.now(UTC)
        self.analyse = False  # the wave's analysis runs: the analyst is to sample it
        self.canaries: list[str] = []  # clusters whose gray step's analysis runs
        self.reverts: tuple[list[int], bool, str] = ([], False, "")

    async def run(self) -> tuple[list[int], bool, str]:
        if self.opts.abort_requested:
            return await self._abort()
        failed = [r for r in self.rollouts if r.phase in FAILED]
        allowed = self.plan.failure.allowed(len(self.rollouts))
        if self.plan.stopping is None and len(failed) - self.plan.accepted_failures > allowed:
            names = ", ".join(r.cluster for r in failed)
            self.plan.stopping = f"{len(failed)} cluster(s) failed ({names}); {allowed} allowed"
            log.warning("plan_stopping", release=str(self.release.id), why=self.plan.stopping)
        if self.plan.stopping is not None:
            return await self._stop()
        await self._wave()
        return self.reverts

    # --- a wave ---------------------------------------------------------------------------

    async def _wave(self) -> None:
        plan = self.plan
        at = plan.at
        if at.state == WaveState.PENDING and not await self._start():
            return
        if at.state == WaveState.RUNNING:
            await self._admit()
            self._canaries()
            mine = self._of_wave(plan.current)
            if all(RolloutPhase(r.phase).is_terminal for r in mine):
                at.done_at = self.now
                at.soak_until = self.now + timedelta(seconds=plan.wave.soak_s)
                at.state = WaveState.SOAKING
        if at.state == WaveState.SOAKING and not await self._judged():
            return
        if at.state == WaveState.SOAKING and at.soak_until and self.now >= at.soak_until:
            await self._soaked()
        if at.state == WaveState.SUCCEEDED:
            if plan.last:
                plan.finished = True
            else:
                plan.current += 1

    async def _start(self) -> bool:
        """Start the current wave, unless a freeze window holds it; True when started."""
        plan, release = self.plan, self.release
        frozen = None
        if release.rollback_of is None and plan.freeze_override is None:
            frozen = freeze.in_force(self.windows, self.now)
        if frozen is not None:
            why = f"held before wave {plan.wave.name}: {frozen.describe()}"
            if plan.held != why:
                plan.held = why
                await self._event(ReleasePausedV1, reason=why)
            return False
        if plan.held is not None:
            plan.held = None
            await self._event(ReleaseResumedV1, reason="the freeze window ended")
        plan.at.state = WaveState.RUNNING
        plan.at.started_at = self.now
        await self._event(
            ReleaseWaveStartedV1,
            wave=plan.current,
            name=plan.wave.name,
            clusters=plan.wave.clusters,
        )
        return True

    async def _admit(self) -> None:
        """Start the wave's next clusters while fewer than max_parallel are under way."""
        mine = self._of_wave(self.plan.current)
        busy = [r for r in mine if _under_way(r)]
        free = self.plan.wave.max_parallel - len(busy)
        order = {c: i for i, c in enumerate(self.plan.wave.clusters)}
        waiting = sorted(
            (r for r in mine if r.phase == RolloutPhase.PENDING.value),
            key=lambda r: order.get(r.cluster, 0),
        )
        for rollout in waiting[: max(0, free)]:
            await machine.transition(self.session, self.release, rollout, RolloutPhase.APPLYING)

    def _canaries(self) -> None:
        """Start the analysis of each gray step waiting for its promote (the template's
        checks with a canary condition); release_api.rollouts.steps acts on the verdict."""
        template = self.plan.analysis
        if template is None or not template.canary:
            return
        if self.release.strategy != Strategy.GRAY.value:
            return
        for rollout in self._of_wave(self.plan.current):
            if rollout.phase != RolloutPhase.WAITING_PROMOTE.value:
                continue
            if RolloutProgress.of(rollout.progress).step != "gray":
                continue
            analysis = self.plan.canary.get(rollout.cluster)
            if analysis is None:
                analysis = WaveAnalysis(
                    started_at=self.now,
                    checks={c.name: CheckProgress() for c in template.canary_checks},
                )
                self.plan.canary[rollout.cluster] = analysis
            if analysis.state is None:
                self.canaries.append(rollout.cluster)

    async def _judged(self) -> bool:
        """Whether the soaking wave's analysis lets it go on (True without an analysis)."""
        plan, at = self.plan, self.plan.at
        if plan.analysis is None or not plan.analysis.soak_checks:
            return True
        if at.analysis is None:
            at.analysis = WaveAnalysis(
                started_at=self.now,
                checks={c.name: CheckProgress() for c in plan.analysis.soak_checks},
            )
        analysis = at.analysis
        if analysis.state is None:
            self.analyse = True
            return False
        if analysis.state == Verdict.FAILED:
            back = [
                r.id
                for r in self._of_wave(plan.current)
                if r.cluster in analysis.put_back and r.phase == RolloutPhase.SUCCEEDED.value
            ]
            if back:  # all at once; once they are back, the failures count as any other
                self.reverts = (back, True, f"analysis failed: {analysis.reason}")
                return False
            return True
        if analysis.state == Verdict.INCONCLUSIVE and at.decision is None:
            await self._wait_for_person(f"analysis: {analysis.reason}")
            return False
        return True

    async def _soaked(self) -> None:
        plan, at = self.plan, self.plan.at
        mine = self._of_wave(plan.current)
        await self._event(
            ReleaseWaveSucceededV1,
            wave=plan.current,
            name=plan.wave.name,
            succeeded=tuple(r.cluster for r in mine if r.phase == RolloutPhase.SUCCEEDED.value),
            failed=tuple(r.cluster for r in mine if r.phase in FAILED),
        )
        if plan.wave.gate == Gate.APPROVAL and not plan.last:
            await self._wait_for_person(None)
        else:
            at.state = WaveState.SUCCEEDED

    async def _wait_for_person(self, reason: str | None) -> None:
        """The wave waits in waiting-approval: its gate (no reason), or an inconclusive
        analysis; approve and reject decide it (release_api.releases.approvals)."""
        plan = self.plan
        plan.at.state = WaveState.WAITING_APPROVAL
        self.release.phase = ReleasePhase.WAITING_APPROVAL.value
        self.release.approval = ApprovalOut(
            approvers=plan.approvers, four_eyes=plan.four_eyes, wave=plan.current, reason=reason
        ).model_dump(mode="json")
        await self._event(
            ReleaseWaitingApprovalV1,
            requested_by=self.release.requested_by,
            approvers=plan.approvers,
            four_eyes=plan.four_eyes,
            wave=plan.current,
        )

    # --- stopping ---------------------------------------------------------------------------

    async def _stop(self) -> tuple[list[int], bool, str]:
        """No new cluster; once none is under way, pause or put every one back."""
        plan = self.plan
        if any(_under_way(r) for r in self.rollouts):
            return [], False, ""
        reason = plan.stopping or ""
        if plan.failure.when_stopping == OnFailure.ROLLBACK:
            return await self._roll_back(reason, at_once=False)
        pending = [r for r in self.rollouts if r.phase == RolloutPhase.PENDING.value]
        if not pending and all(
            RolloutPhase(r.phase).is_terminal for r in self._of_wave(plan.current)
        ):
            if plan.last:  # nothing left to stop before: the release ends as it is
                plan.at.state = WaveState.STOPPED
                plan.finished = True
                return [], False, ""
        self.release.phase = ReleasePhase.PAUSED.value
        await self._event(ReleasePausedV1, reason=f"{reason}: paused before going on")
        return [], False, ""

    async def _roll_back(self, reason: str, *, at_once: bool) -> tuple[list[int], bool, str]:
        """Put back every cluster that succeeded (newest first, or all at once), end the ones
        not started; the release ends once they are all put back."""
        plan = self.plan
        if not plan.rolling_back:
            plan.rolling_back = True
            plan.at.state = WaveState.STOPPED
            await self._end_pending(f"not started: the release rolls back ({reason})")
        done = sorted(
            (r for r in self.rollouts if r.phase == RolloutPhase.SUCCEEDED.value),
            key=lambda r: r.updated_at,
            reverse=True,
        )
        if not done:
            plan.finished = True
            return [], False, ""
        return [r.id for r in done], at_once, f"the release rolls back: {reason}"

    async def _abort(self) -> tuple[list[int], bool, str]:
        """Aborted: the runner puts back the clusters under way; here the ones not started end,
        and with rollback_all the ones that succeeded are put back (all at once). The release
        ends once every cluster is done with."""
        await self._end_pending("aborted before it started")
        if self.opts.rollback_all:
            reverts = await self._roll_back("an operator rolled the fleet back", at_once=True)
            if reverts[0]:
                self.plan.finished = False
                return reverts
        self.plan.at.state = WaveState.STOPPED
        self.plan.finished = True
        return [], False, ""

    async def _end_pending(self, reason: str) -> None:
        for rollout in self.rollouts:
            if rollout.phase == RolloutPhase.PENDING.value:
                await machine.transition(
                    self.session, self.release, rollout, RolloutPhase.ABORTED, reason=reason
                )

    # --- helpers ----------------------------------------------------------------------------

    def _of_wave(self, wave: int) -> list[Rollout]:
        return [r for r in self.rollouts if r.wave == wave]

    async def _event(self, model: type, **fields: object) -> None:
        release = self.release
        await record(
            self.session,
            release.id,
            model(release_id=release.id, app=release.app, env=release.env, **fields),
        )


def _under_way(rollout: Rollout) -> bool:
    phase = RolloutPhase(rollout.phase)
    return phase != RolloutPhase.PENDING and not phase.is_terminal
