"""What the alerts endpoints accept and answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from flotilla_contracts.enums import AlertReason, AlertSeverity
from flotilla_runtime.params import JsonInt


class AlertOut(BaseModel):
    id: uuid.UUID
    app: str
    env: str
    cluster: str
    namespace: str
    pod: str
    container: str
    reason: AlertReason
    severity: AlertSeverity
    message: str
    fired_at: datetime
    resolved_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class AlertPage(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None


class ThresholdsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"restarts": 5, "restarts_window_s": 900}]},
    )

    restarts: JsonInt = Field(3, ge=1, le=1000, description="restarts within the window that alert")
    restarts_window_s: StrictFloat = Field(600, ge=10, le=86_400)
    not_ready_s: StrictFloat = Field(300, ge=1, le=86_400, description="not ready longer than this")
    isolated_retention_s: StrictFloat = Field(
        86_400, ge=60, le=30 * 86_400, description="an isolated pod older than this is an orphan"
    )


class ThresholdsOut(ThresholdsIn):
    app: str
    default: bool = Field(description="no override stored: the defaults apply")
