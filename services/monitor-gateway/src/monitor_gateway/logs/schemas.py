"""What the logs endpoints answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class LogLine(BaseModel):
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
