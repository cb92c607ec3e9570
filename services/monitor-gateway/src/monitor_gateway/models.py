"""monitor-gateway's tables (the log store is created by raw SQL in migration 0002)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_runtime.audit import AuditEntry
from flotilla_runtime.db import Base

NOW = text("now()")

__all__ = ["Alert", "AlertThreshold", "AuditEntry"]


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # One alert per pod and reason while it lasts.
        Index(
            "uq_alerts_active",
            "cluster",
            "namespace",
            "pod",
            "reason",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
        ),
        Index("ix_alerts_app_fired", "app", "fired_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(PgUUID(as_uuid=True), primary_key=True)
    app: Mapped[str] = mapped_column(String(63))
    env: Mapped[str] = mapped_column(String(63))
    cluster: Mapped[str] = mapped_column(String(63))
    namespace: Mapped[str] = mapped_column(String(63))
    pod: Mapped[str] = mapped_column(String(253))
    container: Mapped[str] = mapped_column(String(63), default="")
    reason: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AlertThreshold(Base):
    """Per-app overrides of the alert rules' thresholds."""

    __tablename__ = "alert_thresholds"

    app: Mapped[str] = mapped_column(String(63), primary_key=True)
    restarts: Mapped[int] = mapped_column(Integer)
    restarts_window_s: Mapped[float] = mapped_column(Float)
    not_ready_s: Mapped[float] = mapped_column(Float)
    isolated_retention_s: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
