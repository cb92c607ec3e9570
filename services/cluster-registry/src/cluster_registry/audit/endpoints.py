"""GET /v1/audit: the audit log, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from cluster_registry.models import AuditEntry
from flotilla_runtime.auth import Viewer
from flotilla_runtime.db import SessionDep
from flotilla_runtime.errors import PROBLEM_RESPONSES

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str
    detail: dict[str, Any]
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


@router.get("/audit", operation_id="listAudit", summary="The audit log, newest first")
async def list_audit(
    session: SessionDep,
    _: Viewer,
    target: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[int | None, Query(ge=1, description="from a previous next_cursor")] = None,
) -> AuditPage:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if target:
        query = query.where(AuditEntry.target == target)
    if cursor:
        query = query.where(AuditEntry.id < cursor)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=str(rows[-1].id) if more and rows else None,
    )
