"""What the logs endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LogLine(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ts": "2026-12-05T09:30:00Z",
                    "app": "shop",
                    "env": "prod",
                    "cluster": "idc-a-1",
                    "idc": "idc-a",
                    "stage": "stable",
                    "namespace": "shop-prod",
                    "pod": "shop-7d9f-abcde",
                    "container": "app",
                    "level": "error",
                    "message": "payment gateway timed out after 5 s",
                }
            ]
        }
    )

    ts: datetime
    app: str
    env: str
    cluster: str
    idc: str
    stage: str
    namespace: str
    pod: str
    container: str
    level: str
    message: str


class LogPage(BaseModel):
    items: list[LogLine]
    next_cursor: str | None = Field(description="pass back as `cursor` for older lines")
