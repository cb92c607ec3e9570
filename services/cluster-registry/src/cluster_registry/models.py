"""cluster-registry's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_runtime.db import Base

NOW = text("now()")


class Cluster(Base):
    __tablename__ = "clusters"
    # Fetch server-side updated_at with RETURNING, so a response needs no extra round trip.
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[uuid.UUID] = mapped_column(
        PgUUID(as_uuid=True), primary_key=True, default=uuid.uuid4
    )
    name: Mapped[str] = mapped_column(String(63), unique=True)
    idc: Mapped[str] = mapped_column(String(63), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    api_server: Mapped[str] = mapped_column(String(512))
    labels: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    credentials: Mapped[bytes] = mapped_column(LargeBinary)
    credentials_key_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    status_reason: Mapped[str | None] = mapped_column(Text)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    kubernetes_version: Mapped[str | None] = mapped_column(String(64))
    node_count: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=NOW, onupdate=NOW
    )


class Environment(Base):
    __tablename__ = "environments"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    policy: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb"), doc="an EnvironmentPolicy"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)


class EnvironmentCluster(Base):
    __tablename__ = "environment_clusters"
    __table_args__ = (UniqueConstraint("environment", "cluster_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(
        String(63), ForeignKey("environments.name", ondelete="CASCADE")
    )
    cluster_id: Mapped[uuid.UUID] = mapped_column(
        PgUUID(as_uuid=True), ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    namespace: Mapped[str] = mapped_column(String(63))


class KnownNode(Base):
    __tablename__ = "known_nodes"

    cluster_id: Mapped[uuid.UUID] = mapped_column(
        PgUUID(as_uuid=True), ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(253), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=NOW)
