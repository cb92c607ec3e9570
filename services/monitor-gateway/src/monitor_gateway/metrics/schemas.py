"""What the metrics endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitor_gateway.metrics.promql import Metric


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
