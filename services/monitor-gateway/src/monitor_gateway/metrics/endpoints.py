"""/v1/apps/{app}/metrics: an app's time series from Prometheus; /v1/query for admins."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Annotated, Any, cast

import httpx
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from flotilla_runtime.auth import Admin, Viewer
from flotilla_runtime.errors import PROBLEM_RESPONSES, BadRequest, DependencyFailed, Unprocessable
from monitor_gateway.metrics.promql import UNITS, InvalidSelector, Metric, Selector, build
from monitor_gateway.timerange import time_range

router = APIRouter(tags=["metrics"], responses=PROBLEM_RESPONSES)
MAX_POINTS = 11_000  # Prometheus refuses more per series


class Series(BaseModel):
    labels: dict[str, str]
    points: list[tuple[float, float]] = Field(description="[unix seconds, value] pairs")


class MetricOut(BaseModel):
    app: str
    metric: Metric
    unit: str
    query: str = Field(description="the PromQL that was run")
    start: datetime
    end: datetime
    step_s: float
    series: list[Series]


class Prometheus:
    """Prometheus's HTTP API with a short cache (dashboards ask the same thing repeatedly)."""

    name = "prometheus-client"

    def __init__(self, url: str, *, cache_s: float = 5.0, timeout_s: float = 15.0) -> None:
        self._http = httpx.AsyncClient(base_url=url, timeout=timeout_s)
        self._cache_s = cache_s
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[float, Any]] = {}

    async def get(self, path: str, params: dict[str, str]) -> Any:
        key = (path, tuple(sorted(params.items())))
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._cache_s:
            return hit[1]
        try:
            r = await self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise DependencyFailed(f"Prometheus unreachable: {exc!r}") from None
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code == 400 or body.get("status") == "error":
            raise BadRequest(f"Prometheus: {body.get('error', r.text[:300])}")
        if r.status_code >= 300:
            raise DependencyFailed(f"Prometheus answered {r.status_code}")
        if len(self._cache) > 1000:
            self._cache.clear()
        self._cache[key] = (time.monotonic(), body["data"])
        return body["data"]

    async def close(self) -> None:
        await self._http.aclose()

    async def run(self) -> None:  # a worker only to close the client at shutdown
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()


def _prometheus(request: Request) -> Prometheus:
    return cast(Prometheus, request.state.prometheus)


@router.get(
    "/apps/{app}/metrics",
    operation_id="appMetrics",
    summary="An app's metric over a time range, one series per cluster and pod",
)
async def app_metrics(
    app: str,
    request: Request,
    _: Viewer,
    metric: Metric,
    env: Annotated[str | None, Query(max_length=63)] = None,
    cluster: Annotated[str | None, Query(max_length=63)] = None,
    pod: Annotated[str | None, Query(max_length=253)] = None,
    start: Annotated[datetime | None, Query(description="default: an hour before end")] = None,
    end: Annotated[datetime | None, Query(description="default: now")] = None,
    step_s: Annotated[float, Query(ge=1, le=86_400)] = 60,
) -> MetricOut:
    try:
        sel = Selector(app=app, env=env, cluster=cluster, pod=pod)
    except InvalidSelector as exc:
        raise Unprocessable(str(exc)) from None
    start, end = time_range(start, end, names=("start", "end"))
    if (end - start).total_seconds() / step_s > MAX_POINTS:
        raise BadRequest(f"more than {MAX_POINTS} points per series: use a larger step")
    query = build(metric, sel, window_s=max(int(step_s) * 2, 10))
    # Align to the step so repeated dashboard refreshes hit the cache.
    t0 = int(start.timestamp() // step_s * step_s)
    t1 = int(end.timestamp() // step_s * step_s)
    data = await _prometheus(request).get(
        "/api/v1/query_range",
        {"query": query, "start": str(t0), "end": str(t1), "step": f"{step_s:g}"},
    )
    series = [
        Series(
            labels={k: v for k, v in s["metric"].items()},
            points=[(float(t), float(v)) for t, v in s["values"]],
        )
        for s in data.get("result", [])
    ]
    return MetricOut(
        app=app,
        metric=metric,
        unit=UNITS[metric],
        query=query,
        start=start,
        end=end,
        step_s=step_s,
        series=sorted(series, key=lambda s: sorted(s.labels.items())),
    )


@router.get(
    "/query",
    operation_id="promqlQuery",
    summary="Admins: any PromQL, passed through to Prometheus (instant query)",
)
async def query(
    request: Request,
    _: Admin,
    query: Annotated[str, Query(min_length=1, max_length=4000)],
    time_: Annotated[datetime | None, Query(alias="time")] = None,
) -> dict[str, Any]:
    params = {"query": query}
    if time_ is not None:
        params["time"] = str(time_.timestamp())
    return cast(dict[str, Any], await _prometheus(request).get("/api/v1/query", params))
