"""The analyst: samples a soaking wave's checks on their schedule and records what it saw.

The plan driver (release_api.plans.driver) starts a wave's analysis when the wave begins to
soak (`WaveProgress.analysis`, in `releases.plan`) and asks the analyst to run it; it acts on
the verdict (release_api.plans.driver: put the failing clusters back, wait for a person, or go
on). A gray step's analysis (`PlanState.canary[cluster]`: the template's checks with a
`canary` condition, the gray pods' figure minus the stable pods' in that cluster) is started
by the driver when the cluster waits for its promote; the step acts on it
(release_api.rollouts.steps: passed promotes, failed puts the cluster back, inconclusive waits
for a person's promote or abort). The analyst runs on the runner's leader only, one task per
(release, wave) or (release, cluster's gray step):

- sample `n` of a check is due `n × interval_s` after the analysis started (so the first
  window covers the soak, not the rollout before it); a restarted release-api goes on from the
  samples recorded (`CheckProgress.samples`), taking the ones it missed at once;
- the checks due are measured together through monitor-gateway, outside any transaction;
- each sample is recorded once, under the release's row lock, if the wave is still soaking
  under this analysis (`analysis_samples`, unique per release, wave, check and sample number),
  with `io.flotilla.analysis.sampled`; a check's verdict, and the analysis's once every check
  has one (or one failed: that is at once), with `…passed`, `…failed` or `…inconclusive`.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.analysis import AnalysisTemplate, Check, Verdict, combine
from flotilla_contracts.analysis_events import (
    AnalysisConcludedV1,
    AnalysisFailedV1,
    AnalysisInconclusiveV1,
    AnalysisPassedV1,
    AnalysisSampledV1,
)
from flotilla_contracts.enums import ReleasePhase
from flotilla_runtime.db import session_scope
from flotilla_runtime.transient import outage
from release_api.analysis.client import Measurements
from release_api.analysis.judge import Judged, Measured, count, judge
from release_api.manifests.render import image_tag, label_value
from release_api.models import AnalysisSample, Release
from release_api.plans.state import PlanState, WaveAnalysis, WaveState
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository

log = structlog.get_logger(__name__)
_E = TypeVar("_E", bound=AnalysisConcludedV1)


@dataclass(frozen=True)
class _Job:
    release_id: uuid.UUID
    wave: int
    app: str
    env: str
    version: str
    clusters: list[str]
    template: AnalysisTemplate
    started_at: datetime
    canary: str | None = None  # a gray step's analysis in this cluster; None: the wave's

    @property
    def checks(self) -> list[Check]:
        if self.canary is None:
            return list(self.template.soak_checks)
        return list(self.template.canary_checks)


class Analyst:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], measurements: Measurements
    ) -> None:
        self._sessionmaker = sessionmaker
        self._measurements = measurements
        self._tasks: dict[tuple[uuid.UUID, int, str], asyncio.Task[None]] = {}

    def ensure(
        self,
        release_id: uuid.UUID,
        app: str,
        env: str,
        image: str,
        plan: PlanState,
        canary: str | None = None,
    ) -> None:
        """Run the current wave's analysis (or `canary`'s gray step's), unless it runs already
        (called by the driver, after its transaction, while one has no verdict)."""
        key = (release_id, plan.current, canary or "")
        task = self._tasks.get(key)
        if task is not None and not task.done():
            return
        analysis = plan.at.analysis if canary is None else plan.canary.get(canary)
        if analysis is None or plan.analysis is None or analysis.state is not None:
            return
        job = _Job(
            release_id=release_id,
            wave=plan.current,
            app=app,
            env=env,
            version=label_value(image_tag(image)),
            clusters=list(plan.wave.clusters) if canary is None else [canary],
            template=plan.analysis,
            started_at=analysis.started_at,
            canary=canary,
        )
        self._tasks = {k: t for k, t in self._tasks.items() if not t.done()}
        self._tasks[key] = asyncio.create_task(
            self._run(job), name=f"analysis:{key[0]}:{key[1]}:{key[2]}"
        )

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        await self._measurements.close()

    async def _run(self, job: _Job) -> None:
        try:
            while True:
                progress = await self._progress(job)
                if progress is None:
                    return  # concluded, or the wave no longer soaks under it
                due = self._due(job, progress)
                if not due:
                    return
                at, checks = due
                wait = (at - datetime.now(UTC)).total_seconds()
                if wait > 0:
                    await asyncio.sleep(wait)
                measured = await asyncio.gather(*(self._measure(job, c) for c in checks))
                await self._record(job, list(zip(checks, measured, strict=True)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # An outage of release-api's own database: the driver starts the task again.
            if outage(exc) is None:
                log.exception("analysis_crashed", release=str(job.release_id), wave=job.wave)
            else:
                log.warning("analysis_waiting", release=str(job.release_id), error=repr(exc))

    def _due(self, job: _Job, progress: WaveAnalysis) -> tuple[datetime, list[Check]] | None:
        """The next moment a sample is due, and the checks due then."""
        nexts: list[tuple[datetime, Check]] = []
        for check in job.checks:
            state = progress.checks.get(check.name)
            if state is None or state.verdict is not None:
                continue
            at = job.started_at + timedelta(seconds=check.interval_s * (state.samples + 1))
            nexts.append((at, check))
        if not nexts:
            return None
        first = min(at for at, _ in nexts)
        # Checks due within a tenth of a second of each other are measured together.
        return first, [c for at, c in nexts if at <= first + timedelta(seconds=0.1)]

    async def _measure(self, job: _Job, check: Check) -> Measured:
        return await self._measurements.measure(
            app=job.app,
            env=job.env,
            version=job.version,
            clusters=job.clusters,
            check=check,
            gray=job.canary is not None,
        )

    async def _progress(self, job: _Job) -> WaveAnalysis | None:
        async with session_scope(self._sessionmaker) as session:
            release = await session.get(Release, job.release_id)
            if release is None:
                return None
            opened = _open(release, job)
            return opened[1] if opened else None

    async def _record(self, job: _Job, samples: list[tuple[Check, Measured]]) -> None:
        now = datetime.now(UTC)
        async with session_scope(self._sessionmaker) as session:
            release = await ReleaseRepository(session).for_update(job.release_id)
            if release is None:
                return
            opened = _open(release, job)
            if opened is None:
                return
            plan, analysis = opened
            for check, measured in samples:
                state = analysis.checks[check.name]
                if state.verdict is not None:
                    continue
                judged = judge(check, job.clusters, measured, canary=job.canary is not None)
                after = count(check, state, judged)
                after.last_at = now
                analysis.checks[check.name] = after
                await self._sample(session, release, job, check, after.samples, judged, measured)
                if after.verdict is not None:
                    log.info(
                        "analysis_check_concluded",
                        release=str(release.id),
                        wave=job.wave,
                        check=check.name,
                        verdict=after.verdict.value,
                    )
            await self._conclude(session, release, job, analysis, now)
            release.plan = plan.stored()

    async def _sample(
        self,
        session: AsyncSession,
        release: Release,
        job: _Job,
        check: Check,
        number: int,
        judged: Judged,
        measured: Measured,
    ) -> None:
        session.add(
            AnalysisSample(
                release_id=release.id,
                wave=job.wave,
                canary=job.canary or "",
                check=check.name,
                sample=number,
                at=datetime.now(UTC),
                values=measured.values,
                verdicts={c: v.value for c, v in judged.verdicts.items()},
                wave_value=measured.wave,
                wave_verdict=judged.wave.value if judged.wave else None,
                verdict=judged.verdict.value,
                error=measured.error,
            )
        )
        await record(
            session,
            release.id,
            AnalysisSampledV1(
                release_id=release.id,
                app=release.app,
                env=release.env,
                wave=job.wave,
                canary=job.canary,
                check=check.name,
                sample=number,
                values=measured.values,
                verdicts=judged.verdicts,
                wave_value=measured.wave,
                wave_verdict=judged.wave,
                error=measured.error,
            ),
        )

    async def _conclude(
        self,
        session: AsyncSession,
        release: Release,
        job: _Job,
        analysis: WaveAnalysis,
        now: datetime,
    ) -> None:
        verdicts = {n: c.verdict for n, c in analysis.checks.items()}
        failed = [n for n, v in verdicts.items() if v == Verdict.FAILED]
        if not failed and any(v is None for v in verdicts.values()):
            return  # still sampling
        overall = combine([v for v in verdicts.values() if v is not None])
        so_far = {n: v if v is not None else Verdict.INCONCLUSIVE for n, v in verdicts.items()}
        ids = (release.id, release.app, release.env, job.wave, job.canary)
        analysis.state = overall
        analysis.concluded_at = now
        if overall == Verdict.FAILED:
            clusters = sorted(
                {c for n in failed for c in analysis.checks[n].failed_clusters}
            ) or list(job.clusters)
            analysis.put_back = clusters
            analysis.reason = f"{', '.join(failed)} failed in {', '.join(clusters)}"
            await record(
                session,
                release.id,
                _concluded(
                    AnalysisFailedV1, ids, so_far, analysis.reason, clusters=tuple(clusters)
                ),
            )
        elif overall == Verdict.INCONCLUSIVE:
            names = [n for n, v in verdicts.items() if v == Verdict.INCONCLUSIVE]
            analysis.reason = f"{', '.join(names)} inconclusive: a person decides"
            await record(
                session,
                release.id,
                _concluded(AnalysisInconclusiveV1, ids, so_far, analysis.reason),
            )
        else:
            analysis.reason = "every check passed"
            await record(
                session, release.id, _concluded(AnalysisPassedV1, ids, so_far, analysis.reason)
            )
        log.info(
            "analysis_concluded",
            release=str(release.id),
            wave=job.wave,
            verdict=overall.value,
            reason=analysis.reason,
        )


def _of(plan: PlanState, job: _Job) -> WaveAnalysis | None:
    if job.canary is not None:
        return plan.canary.get(job.canary)
    if plan.current != job.wave or plan.at.state != WaveState.SOAKING:
        return None
    return plan.at.analysis


def _open(release: Release, job: _Job) -> tuple[PlanState, WaveAnalysis] | None:
    """The release's plan and the job's analysis in it, while the release runs and the
    analysis has no verdict (a wave's: while the wave soaks)."""
    if release.phase != ReleasePhase.RUNNING.value or not release.plan:
        return None
    plan = PlanState.model_validate(release.plan)
    analysis = _of(plan, job)
    if analysis is None or analysis.state is not None:
        return None
    return plan, analysis


def _concluded(
    model: type[_E],
    ids: tuple[uuid.UUID, str, str, int, str | None],
    checks: dict[str, Verdict],
    reason: str,
    **extra: object,
) -> _E:
    release_id, app, env, wave, canary = ids
    return model(
        release_id=release_id,
        app=app,
        env=env,
        wave=wave,
        canary=canary,
        checks=checks,
        reason=reason,
        **extra,
    )
