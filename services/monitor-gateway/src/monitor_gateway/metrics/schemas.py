"""What the metrics endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from monitor_gateway.metrics.promql import Metric


class Series(BaseModel):
    labels: dict[str, str]
    points: list[tuple[float, float]] = Field(description="[unix seconds, value] pairs")


class MetricOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "app": "shop",
                    "metric": "http_requests_per_s",
                    "unit": "requests/s",
                    "query": "sum by (cluster) (rate(flotilla_ingress_http_responses_total"
                    '{app="shop", env="prod"}[120s]))',
                    "start": "2026-12-05T08:30:00Z",
                    "end": "2026-12-05T09:30:00Z",
                    "step_s": 60,
                    "series": [
                        {
                            "labels": {"cluster": "idc-a-1"},
                            "points": [[1796549400, 41.5], [1796549460, 43.0]],
                        }
                    ],
                }
            ]
        }
    )

    app: str
    metric: Metric
    unit: str
    query: str = Field(description="the PromQL that was run")
    start: datetime
    end: datetime
    step_s: float
    series: list[Series]
