"""/v1/alerts: list, read and acknowledge alerts; per-app thresholds of the rules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from flotilla_contracts.enums import AlertReason
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES, BadRequest, NotFound
from flotilla_runtime.params import NamePath, NameQuery
from monitor_gateway.alerts.repository import AlertRepository
from monitor_gateway.alerts.rules import Thresholds
from monitor_gateway.alerts.schemas import AlertOut, AlertPage, ThresholdsIn, ThresholdsOut
from monitor_gateway.deps import AlertsDep, TeamsDep
from monitor_gateway.models import Alert, AlertThreshold

AlertId = Annotated[uuid.UUID, Path(description="the alert's id (a UUID)")]

router = APIRouter(tags=["alerts"], responses=PROBLEM_RESPONSES)


def _out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


@router.get("/alerts", operation_id="listAlerts", summary="Alerts, newest first")
async def list_alerts(
    session: SessionDep,
    _: Viewer,
    app: NameQuery = None,
    env: NameQuery = None,
    cluster: NameQuery = None,
    reason: Annotated[AlertReason | None, Query(description="only alerts of this kind")] = None,
    state: Annotated[
        Literal["active", "resolved", "all"],
        Query(description="active: firing now; resolved: over"),
    ] = "active",
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many per page")] = 100,
    cursor: Annotated[str | None, Query(max_length=64, description="a next_cursor")] = None,
) -> AlertPage:
    before = None
    if cursor:
        try:
            at, _sep, ident = cursor.partition("_")
            before = (datetime.fromtimestamp(float(at), UTC), uuid.UUID(ident))
        except ValueError:
            raise BadRequest("cursor is not one this API returned") from None
    equal = {k: v for k, v in (("app", app), ("env", env), ("cluster", cluster)) if v is not None}
    rows = await AlertRepository(session).page(
        equal=equal,
        reason=reason.value if reason is not None else None,
        state=state,
        before=before,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return AlertPage(
        items=[_out(a) for a in rows],
        next_cursor=f"{rows[-1].fired_at.timestamp()}_{rows[-1].id}" if more else None,
    )


@router.get("/alerts/{alert_id}", operation_id="getAlert", summary="One alert")
async def get_alert(alert_id: AlertId, session: SessionDep, _: Viewer) -> AlertOut:
    alert = await session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return _out(alert)


@router.post(
    "/alerts/{alert_id}/ack",
    operation_id="acknowledgeAlert",
    summary="Acknowledge an alert (someone is on it)",
)
async def acknowledge(
    alert_id: AlertId, request: Request, session: SessionDep, who: Developer, teams: TeamsDep
) -> AlertOut:
    """For the alert's app's team (and admins)."""
    async with audited(request, session, who, "alert.ack", str(alert_id)):
        alert = await session.get(Alert, alert_id, with_for_update=True)
        if alert is None:
            raise NotFound(f"no alert {alert_id}")
        await teams.check(who, alert.app)
        if alert.acknowledged_at is None:
            alert.acknowledged_by = who.subject
            alert.acknowledged_at = datetime.now(UTC)
    return _out(alert)


@router.get(
    "/apps/{app}/alert-thresholds",
    operation_id="getAlertThresholds",
    summary="The thresholds the alert rules use for an app",
)
async def get_thresholds(app: NamePath, session: SessionDep, _: Viewer) -> ThresholdsOut:
    row = await session.get(AlertThreshold, app)
    if row is None:
        defaults = Thresholds()
        return ThresholdsOut(app=app, default=True, **defaults.__dict__)
    return ThresholdsOut(
        app=app,
        default=False,
        restarts=row.restarts,
        restarts_window_s=row.restarts_window_s,
        not_ready_s=row.not_ready_s,
        isolated_retention_s=row.isolated_retention_s,
    )


@router.put(
    "/apps/{app}/alert-thresholds",
    operation_id="setAlertThresholds",
    summary="Override the alert rules' thresholds for an app",
)
async def set_thresholds(
    app: NamePath,
    data: ThresholdsIn,
    request: Request,
    session: SessionDep,
    who: Developer,
    alerts: AlertsDep,
    teams: TeamsDep,
) -> ThresholdsOut:
    """For the app's team (and admins)."""
    async with audited(request, session, who, "alert.thresholds", app, data.model_dump()):
        await teams.check(who, app)
        row = await session.get(AlertThreshold, app, with_for_update=True)
        if row is None:
            row = AlertThreshold(app=app, **data.model_dump())
            session.add(row)
        else:
            for key, value in data.model_dump().items():
                setattr(row, key, value)
            row.updated_at = datetime.now(UTC)
    alerts.thresholds_changed()
    return ThresholdsOut(app=app, default=False, **data.model_dump())
