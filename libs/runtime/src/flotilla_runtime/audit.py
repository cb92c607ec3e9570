"""Audit log: every mutation records who, what, when, before → after and the outcome — refusals
and failures too. Shared by the services that own mutations (each has an `audit_log` table in
its own database, created by one of its migrations).

A successful mutation's entry commits with the change. A failed one's entry is written in a
separate transaction after the request's own rolled back, so the log shows attempts as well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import BigInteger, DateTime, String, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_runtime.auth import Principal, Viewer
from flotilla_runtime.db import Base, SessionDep, session_scope
from flotilla_runtime.errors import PROBLEM_RESPONSES, FlotillaError
from flotilla_runtime.params import Instant

log = structlog.get_logger(__name__)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()"), index=True
    )
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(128))


@asynccontextmanager
async def audited(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Wrap a mutation; the yielded dict is the entry's detail, which the caller may extend."""
    detail = dict(detail or {})
    request_id = getattr(request.state, "request_id", None)
    try:
        yield detail
    except BaseException as exc:
        outcome = "refused" if isinstance(exc, FlotillaError) and exc.status < 500 else "failed"
        detail["error"] = exc.detail if isinstance(exc, FlotillaError) else type(exc).__name__
        sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
        try:
            async with session_scope(sessionmaker) as separate:
                separate.add(
                    AuditEntry(
                        actor=principal.subject,
                        action=action,
                        target=target,
                        outcome=outcome,
                        detail=detail,
                        request_id=request_id,
                    )
                )
        except Exception as audit_error:  # the database itself may be what failed
            log.error("audit_write_failed", action=action, target=target, error=repr(audit_error))
        raise
    session.add(
        AuditEntry(
            actor=principal.subject,
            action=action,
            target=target,
            outcome="succeeded",
            detail=detail,
            request_id=request_id,
        )
    )
    await session.flush()


router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1042,
                    "at": "2026-12-05T09:30:00Z",
                    "actor": "ada",
                    "action": "release.rollback",
                    "target": "shop",
                    "outcome": "ok",
                    "detail": {"to": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4"},
                    "request_id": "9f1c2e7a4b5d",
                }
            ]
        }
    )

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
    target: Annotated[
        str | None, Query(max_length=255, description="only entries about this target")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many per page")] = 100,
    cursor: Annotated[int | None, Query(ge=1, description="from a previous next_cursor")] = None,
    since: Annotated[Instant | None, Query(description="entries at or after (ISO 8601)")] = None,
    until: Annotated[Instant | None, Query(description="entries before (ISO 8601)")] = None,
) -> AuditPage:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if target:
        query = query.where(AuditEntry.target == target)
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    if cursor:
        query = query.where(AuditEntry.id < cursor)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=str(rows[-1].id) if more and rows else None,
    )
