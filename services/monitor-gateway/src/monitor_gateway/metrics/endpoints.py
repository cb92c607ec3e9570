"""/v1/apps/{app}/metrics: an app's time series from Prometheus; /v1/query for admins."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Query

from flotilla_runtime.auth import Admin, Viewer
from flotilla_runtime.errors import PROBLEM_RESPONSES, BadRequest, Unprocessable
from flotilla_runtime.params import Instant, NamePath, NameQuery, ObjectQuery
from monitor_gateway.deps import PrometheusDep
from monitor_gateway.metrics.promql import UNITS, InvalidSelector, Metric, Selector, build
from monitor_gateway.metrics.schemas import MetricOut, Series
from monitor_gateway.timerange import time_range

router = APIRouter(tags=["metrics"], responses=PROBLEM_RESPONSES)
MAX_POINTS = 11_000  # Prometheus refuses more per series


@router.get(
    "/apps/{app}/metrics",
    operation_id="appMetrics",
    summary="An app's metric over a time range, one series per cluster and pod",
    description=(
        "Pods' metrics come from cAdvisor and kube-state-metrics, one series per cluster and "
        "pod (`ready_replicas`: per cluster); `http_requests_per_s` and `http_5xx_per_s` are "
        "the unified ingress's answers for the app, one series per cluster (with `pod`: 422). "
        "The PromQL that ran is in the answer."
    ),
)
async def app_metrics(
    app: NamePath,
    prometheus: PrometheusDep,
    _: Viewer,
    metric: Annotated[Metric, Query(description="which series (see MetricOut.unit)")],
    env: NameQuery = None,
    cluster: NameQuery = None,
    pod: ObjectQuery = None,
    start: Annotated[Instant | None, Query(description="default: an hour before end")] = None,
    end: Annotated[Instant | None, Query(description="default: now")] = None,
    step_s: Annotated[float, Query(ge=1, le=86_400, description="seconds between points")] = 60,
) -> MetricOut:
    start, end = time_range(start, end, names=("start", "end"))
    if (end - start).total_seconds() / step_s > MAX_POINTS:
        raise BadRequest(f"more than {MAX_POINTS} points per series: use a larger step")
    try:
        sel = Selector(app=app, env=env, cluster=cluster, pod=pod)
        query = build(metric, sel, window_s=max(int(step_s) * 2, 10))
    except InvalidSelector as exc:
        raise Unprocessable(str(exc)) from None
    # Align to the step so repeated dashboard refreshes hit the cache.
    t0 = int(start.timestamp() // step_s * step_s)
    t1 = int(end.timestamp() // step_s * step_s)
    data = await prometheus.get(
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
    prometheus: PrometheusDep,
    _: Admin,
    query: Annotated[str, Query(min_length=1, max_length=4000, description="PromQL")],
    time_: Annotated[
        Instant | None, Query(alias="time", description="evaluation time; default: now")
    ] = None,
) -> dict[str, Any]:
    params = {"query": query}
    if time_ is not None:
        params["time"] = str(time_.timestamp())
    return cast(dict[str, Any], await prometheus.get("/api/v1/query", params))
