"""Events of automated analysis (flotilla_contracts.analysis), on the releases topic: every
sample, and each wave's or gray step's verdict. Listed with every other payload in
flotilla_contracts.events."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from flotilla_contracts import topics
from flotilla_contracts.analysis import Verdict
from flotilla_contracts.payload import EventPayload, Name


class AnalysisSampledV1(EventPayload):
    """One sample of an analysis check of a wave: its value per cluster (null: no data) and for
    the wave, and how each was judged (flotilla_contracts.analysis)."""

    event_type: ClassVar[str] = "io.flotilla.analysis.sampled"
    topic: ClassVar[str] = topics.RELEASES

    release_id: UUID
    app: str = Name
    env: str = Name
    wave: int = Field(ge=0)
    canary: str | None = Field(
        None, description="the cluster whose gray step is judged (gray − stable); absent: the wave"
    )
    check: str = Name
    sample: int = Field(ge=1, description="its number, from 1")
    values: dict[str, float | None] = Field(description="per cluster (canary: gray − stable)")
    verdicts: dict[str, Verdict] = Field(description="per cluster")
    wave_value: float | None = None
    wave_verdict: Verdict | None = Field(None, description="the wave as a whole")
    error: str | None = Field(None, description="why no value could be measured (inconclusive)")


class AnalysisConcludedV1(EventPayload):
    """Shared fields of the analysis verdicts."""

    release_id: UUID
    app: str = Name
    env: str = Name
    wave: int = Field(ge=0)
    canary: str | None = Field(
        None, description="the cluster whose gray step was judged; absent: the wave"
    )
    checks: dict[str, Verdict] = Field(description="each check's verdict so far")
    reason: str = Field(max_length=2000)


class AnalysisPassedV1(AnalysisConcludedV1):
    """Every check of the wave's analysis passed: the wave goes on."""

    event_type: ClassVar[str] = "io.flotilla.analysis.passed"
    topic: ClassVar[str] = topics.RELEASES


class AnalysisFailedV1(AnalysisConcludedV1):
    """A check failed: `clusters` are put back at once and the release's failure policy
    applies."""

    event_type: ClassVar[str] = "io.flotilla.analysis.failed"
    topic: ClassVar[str] = topics.RELEASES

    clusters: tuple[str, ...] = Field(description="the clusters put back")


class AnalysisInconclusiveV1(AnalysisConcludedV1):
    """No verdict could be reached (no data, a measurement outage, values in the inconclusive
    band): the release waits in waiting-approval for a person to say go on or stop."""

    event_type: ClassVar[str] = "io.flotilla.analysis.inconclusive"
    topic: ClassVar[str] = topics.RELEASES
