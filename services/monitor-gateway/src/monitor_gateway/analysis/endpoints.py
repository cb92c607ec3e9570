"""POST /v1/analysis/measurements: one sample of one analysis check, per cluster and for the
wave, as release-api's analysis asks for it (flotilla_contracts.analysis).

Prometheus unreachable or answering an error is a 503 (release-api counts the sample as
*inconclusive*, never passed); a query Prometheus refuses is a 400 naming it. No traffic or no
series is not an error: the value is null and the check's `no_data` decides.
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.analysis import Check, Metric, Name, Webhook
from flotilla_contracts.enums import Role
from flotilla_contracts.names import LABEL_VALUE_PATTERN
from flotilla_runtime.auth import Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.egress import Egress, EgressRefused, EgressUnresolved
from flotilla_runtime.errors import (
    PROBLEM_RESPONSES,
    BadRequest,
    DependencyFailed,
    Forbidden,
    Unprocessable,
)
from monitor_gateway.alerts.repository import AlertRepository
from monitor_gateway.analysis import queries
from monitor_gateway.deps import EgressDep, PrometheusDep
from monitor_gateway.metrics.client import Prometheus

router = APIRouter(tags=["analysis"], responses=PROBLEM_RESPONSES)
HTTP = (Metric.HTTP_5XX_RATIO, Metric.HTTP_P99_LATENCY)


class MeasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app: Name
    env: Name
    version: str | None = Field(
        None, max_length=63, pattern=LABEL_VALUE_PATTERN, description="the release's pods' version"
    )
    clusters: list[Name] = Field(
        min_length=1, max_length=1000, description="the wave's clusters (each a cluster name)"
    )
    check: Check
    gray: bool = Field(False, description="measure the canary scope: gray minus stable pods")


class MeasurementOut(BaseModel):
    check: str
    at: datetime
    clusters: dict[str, float | None] = Field(description="per cluster; null: no data")
    wave: float | None = Field(description="the clusters together (checks with a wave condition)")
    canary: dict[str, float | None] = Field(
        description="per cluster, gray pods minus stable pods (when asked with gray)"
    )
    queries: list[str] = Field(description="the PromQL that was run")


@router.post(
    "/analysis/measurements",
    operation_id="measureAnalysisCheck",
    summary="One sample of an analysis check, per cluster and for the clusters together",
)
async def measure(
    body: MeasureIn, who: Viewer, prometheus: PrometheusDep, session: SessionDep, egress: EgressDep
) -> MeasurementOut:
    check = body.check
    if check.custom and not (who.is_service or who.has_role(Role.ADMIN)):
        raise Forbidden(
            "custom checks (PromQL reads every team's series; a webhook is a request from "
            "inside the platform) are for admins and services"
        )
    run = _Run(prometheus, time.time())
    out = await _measure(body, run, session, egress)
    out.queries = run.queries
    return out


async def _measure(
    body: MeasureIn, run: _Run, session: AsyncSession, egress: Egress
) -> MeasurementOut:
    check = body.check
    out = MeasurementOut(
        check=check.name, at=datetime.now(UTC), clusters={}, wave=None, canary={}, queries=[]
    )
    if check.metric == Metric.ALERTS_FIRING:
        counts = await AlertRepository(session).firing_by_cluster(body.app, body.env, body.clusters)
        out.clusters = {c: float(counts.get(c, 0)) for c in body.clusters}
        out.wave = float(sum(counts.values()))
        return out
    if check.webhook is not None:
        answers = await asyncio.gather(
            *(_hook(check.webhook, body, cluster, egress) for cluster in body.clusters)
        )
        out.clusters = dict(zip(body.clusters, answers, strict=True))
        return out
    if check.custom:
        assert check.promql is not None
        values = await asyncio.gather(
            *(
                run.scalar(
                    queries.custom(
                        check.promql,
                        {
                            **check.params,
                            **queries.placeholders(
                                app=body.app,
                                env=body.env,
                                cluster=c,
                                stage=None,
                                version=body.version,
                            ),
                        },
                    )
                )
                for c in body.clusters
            )
        )
        out.clusters = dict(zip(body.clusters, values, strict=True))
        return out
    assert check.metric is not None
    common: dict[str, Any] = {"app": body.app, "env": body.env, "clusters": body.clusters}
    if check.metric in HTTP:
        window = check.window
        per, whole = await asyncio.gather(
            run.by_cluster(queries.http(check.metric, **common, window_s=window, by_cluster=True)),
            run.scalar(queries.http(check.metric, **common, window_s=window, by_cluster=False))
            if check.wave is not None
            else _none(),
        )
        out.clusters = {c: per.get(c) for c in body.clusters}
        out.wave = whole
        if body.gray and check.canary is not None:
            gray, stable = await asyncio.gather(
                run.by_cluster(
                    queries.http(
                        check.metric, **common, window_s=window, by_cluster=True, stage="gray"
                    )
                ),
                run.by_cluster(
                    queries.http(
                        check.metric, **common, window_s=window, by_cluster=True, not_stage="gray"
                    )
                ),
            )
            out.canary = {
                c: (gray[c] - stable[c]) if c in gray and c in stable else None
                for c in body.clusters
            }
        return out
    per, whole = await asyncio.gather(
        run.by_cluster(queries.pods(check.metric, **common, version=body.version, by_cluster=True)),
        run.scalar(queries.pods(check.metric, **common, version=body.version, by_cluster=False)),
    )
    out.clusters = {c: per.get(c) for c in body.clusters}
    out.wave = whole
    return out


class _Run:
    """Instant queries at one moment (the moment is in the cache key: never a stale sample)."""

    def __init__(self, prometheus: Prometheus, at: float) -> None:
        self.prometheus = prometheus
        self.at = f"{at:.3f}"
        self.queries: list[str] = []

    async def _query(self, query: str) -> Any:
        self.queries.append(query)
        return await self.prometheus.get("/api/v1/query", {"query": query, "time": self.at})

    async def by_cluster(self, query: str) -> dict[str, float]:
        data = await self._query(query)
        found: dict[str, float] = {}
        for series in data.get("result", []) if data.get("resultType") == "vector" else []:
            value = _number(series["value"][1])
            cluster = series["metric"].get("cluster")
            if cluster and value is not None:
                found[cluster] = value
        return found

    async def scalar(self, query: str) -> float | None:
        data = await self._query(query)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar":
            return _number(result[1])
        if kind == "vector":
            if not result:
                return None
            if len(result) > 1:
                raise BadRequest(f"the query yields {len(result)} series, one is needed: {query}")
            return _number(result[0]["value"][1])
        return None


async def _hook(hook: Webhook, body: MeasureIn, cluster: str, egress: Egress) -> float:
    """Flagger's hook contract: 1 when the hook answers 2xx, else 0; unreachable is a 503
    (the sample is inconclusive). Redirects are not followed; an address the egress policy
    refuses (loopback, link-local, metadata, unless allowed) is a 422 naming it."""
    try:
        await egress.check_url(hook.url)
    except EgressRefused as exc:
        raise Unprocessable(
            f"webhook {exc}: not allowed (MONITOR_GATEWAY_ALLOWED_WEBHOOK_NETWORKS lists "
            "exceptions)"
        ) from None
    except EgressUnresolved as exc:
        raise DependencyFailed(f"webhook: {exc}") from None
    payload = {
        "name": body.app,
        "namespace": body.env,
        "phase": hook.phase,
        "metadata": {**hook.metadata, "cluster": cluster, "version": body.version or ""},
    }
    try:
        async with httpx.AsyncClient(timeout=hook.timeout_s, follow_redirects=False) as http:
            r = await http.post(hook.url, json=payload)
    except httpx.InvalidURL as exc:
        raise Unprocessable(f"webhook url: {exc}") from None
    except httpx.HTTPError as exc:
        raise DependencyFailed(f"webhook unreachable: {type(exc).__name__}") from None
    return 1.0 if 200 <= r.status_code < 300 else 0.0


async def _none() -> None:
    return None


def _number(text: str) -> float | None:
    value = float(text)
    return None if math.isnan(value) or math.isinf(value) else value
