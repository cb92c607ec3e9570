"""Audit: every mutation records who, what, when and the outcome — refusals and failures too.

A successful mutation's entry commits with the change. A failed one's entry is written in a
separate transaction after the request's own rolled back, so the log shows attempts as well.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cluster_registry.models import AuditEntry
from flotilla_runtime.auth import Principal
from flotilla_runtime.db import session_scope
from flotilla_runtime.errors import FlotillaError

log = structlog.get_logger(__name__)


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
