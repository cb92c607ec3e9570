"""monitor-gateway's tables (the log store is created by raw SQL in migration 0002)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_runtime.audit import AuditEntry
from flotilla_runtime.db import Base

NOW = text("now()")

__all__ = ["Alert", "AlertThreshold", "AuditEntry", "Delivery", "Subscription"]


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


class Subscription(Base):
    """Who is told what, and where (monitor_gateway.notify)."""

    __tablename__ = "notification_subscriptions"
    __table_args__ = (Index("ix_notification_subscriptions_scope", "scope_kind", "scope"),)

    id: Mapped[uuid.UUID] = mapped_column(PgUUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scope_kind: Mapped[str] = mapped_column(String(8))  # app | env | team
    scope: Mapped[str] = mapped_column(String(63))
    triggers: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    envs: Mapped[list[str]] = mapped_column(ARRAY(String(63)), default=list)  # empty: every env
    min_severity: Mapped[str | None] = mapped_column(String(16))
    destination_kind: Mapped[str] = mapped_column(String(8))  # webhook | slack | email
    destination: Mapped[dict[str, Any]] = mapped_column(JSONB)  # what may be shown
    secret_key_id: Mapped[str | None] = mapped_column(String(63))
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)  # sealed (flotilla_runtime.crypto)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)


class Delivery(Base):
    """One message to one subscription's destination: the notifications' outbox. Written in
    the transaction that consumed the event; sent, retried and dead-lettered by the sender."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        # at most one per (subscription, trigger, what it is about): Argo CD's oncePer
        UniqueConstraint("subscription_id", "trigger", "about", name="uq_delivery_once"),
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notification_subscriptions.id", ondelete="CASCADE")
    )
    trigger: Mapped[str] = mapped_column(String(40))
    about: Mapped[str] = mapped_column(String(200))
    message: Mapped[dict[str, Any]] = mapped_column(JSONB)  # as sent: the state at the time
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|delivered|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
