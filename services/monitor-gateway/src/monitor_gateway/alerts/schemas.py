"""What the alerts endpoints accept and answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictFloat

from flotilla_contracts.enums import AlertReason, AlertSeverity
from flotilla_runtime.params import JsonInt


class AlertOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5b2f0c1e-8a3d-4e6f-9b71-2c4d5e6f7a8b",
                    "app": "shop",
                    "env": "prod",
                    "cluster": "idc-b-1",
                    "namespace": "shop-prod",
                    "pod": "shop-6c8b-xk2lp",
                    "container": "app",
                    "reason": "crash_loop",
                    "severity": "critical",
                    "message": "shop-6c8b-xk2lp is crash-looping (4 restarts)",
                    "fired_at": "2026-12-05T09:30:00Z",
                    "resolved_at": None,
                    "acknowledged_by": "ada",
                    "acknowledged_at": "2026-12-05T09:32:10Z",
                }
            ]
        }
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "app": "shop",
                    "default": False,
                    "restarts": 5,
                    "restarts_window_s": 900,
                    "not_ready_s": 300,
                    "isolated_retention_s": 86_400,
                }
            ]
        }
    )

    app: str
    default: bool = Field(description="no override stored: the defaults apply")
