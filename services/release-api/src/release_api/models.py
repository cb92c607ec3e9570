"""release-api's tables: applications, releases, per-cluster rollouts, release events, audit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_runtime.audit import AuditEntry
from flotilla_runtime.db import Base

NOW = text("now()")
ACTIVE_PHASES = ("pending", "waiting-approval", "running", "paused")

__all__ = [
    "ACTIVE_PHASES",
    "App",
    "AppHost",
    "AuditEntry",
    "Release",
    "ReleaseEvent",
    "Rollout",
]


class App(Base):
    __tablename__ = "apps"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    team: Mapped[str] = mapped_column(String(63), index=True)
    type: Mapped[str] = mapped_column(String(16))
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)


class AppHost(Base):
    """Which app (and environment) a hostname is routed to: the primary key makes a hostname
    belong to one app, even when two requests claim it at once."""

    __tablename__ = "app_hosts"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    app: Mapped[str] = mapped_column(ForeignKey("apps.name"), index=True)
    env: Mapped[str] = mapped_column(String(63))


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("app", "idempotency_key", name="uq_releases_idempotency"),
        # One active release per (app, env): a second insert fails and gets 409.
        Index(
            "uq_releases_active",
            "app",
            "env",
            unique=True,
            postgresql_where=text("phase IN ('pending', 'waiting-approval', 'running', 'paused')"),
        ),
        Index("ix_releases_history", "app", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(PgUUID(as_uuid=True), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    app: Mapped[str] = mapped_column(ForeignKey("apps.name"))
    env: Mapped[str] = mapped_column(String(63))
    image: Mapped[str] = mapped_column(String(512))
    strategy: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONB, doc="the app spec this release renders")
    app_version: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(24), default="pending")
    debug: Mapped[bool] = mapped_column(Boolean, default=False)
    rollback_of: Mapped[uuid.UUID | None] = mapped_column(PgUUID(as_uuid=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(255))
    approval: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, doc="the policy's hold and its decision (releases.schemas.ApprovalOut)"
    )
    plan: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, doc="the resolved waves and how far the release got (plans.state.PlanState)"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Rollout(Base):
    """One cluster's part of a release: its own phase, deadline, error and rollback target."""

    __tablename__ = "rollouts"
    __table_args__ = (UniqueConstraint("release_id", "cluster", name="uq_rollouts_cluster"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    release_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("releases.id"), index=True)
    cluster: Mapped[str] = mapped_column(String(63))
    idc: Mapped[str] = mapped_column(String(63), default="")
    namespace: Mapped[str] = mapped_column(String(63))
    phase: Mapped[str] = mapped_column(String(24), default="pending", index=True)
    wave: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    replicas: Mapped[int] = mapped_column(Integer)
    generation: Mapped[int | None] = mapped_column(BigInteger)
    previous: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, doc="the Deployment's spec before this rollout changed it (rollback target)"
    )
    progress: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)


class ReleaseEvent(Base):
    """What happened to a release, in order: the SSE stream and the per-release history."""

    __tablename__ = "release_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    release_id: Mapped[uuid.UUID] = mapped_column(PgUUID(as_uuid=True), index=True)
    type: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)


class AnalysisSample(Base):
    """One sample of one check of a wave's analysis (release_api.analysis): its values and how
    each was judged. One row per (release, wave, check, sample): a sample is recorded once."""

    __tablename__ = "analysis_samples"
    __table_args__ = (
        UniqueConstraint(
            "release_id", "wave", "canary", "check", "sample", name="uq_analysis_samples"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    release_id: Mapped[uuid.UUID] = mapped_column(PgUUID(as_uuid=True), index=True)
    wave: Mapped[int] = mapped_column(Integer)
    canary: Mapped[str] = mapped_column(String(63), default="")  # a gray step's cluster, or ""
    check: Mapped[str] = mapped_column(String(63))
    sample: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    values: Mapped[dict[str, Any]] = mapped_column(JSONB)  # cluster → value (null: no data)
    verdicts: Mapped[dict[str, Any]] = mapped_column(JSONB)  # cluster → verdict
    wave_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    wave_verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    verdict: Mapped[str] = mapped_column(String(16))  # the sample as a whole
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
