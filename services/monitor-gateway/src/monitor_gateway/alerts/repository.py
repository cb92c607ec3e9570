"""The queries of the alerts domain: alerts and per-app thresholds."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_runtime.db import Repository
from monitor_gateway.models import Alert, AlertThreshold


class AlertRepository(Repository[Alert]):
    model = Alert

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)

    async def page(
        self,
        *,
        equal: dict[str, str],
        reason: str | None,
        state: str,
        before: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[Alert]:
        """Alerts newest first: `equal` on app/env/cluster, `state` active, resolved or all,
        older than `before` (the (fired_at, id) a page ended at)."""
        query = select(Alert).order_by(Alert.fired_at.desc(), Alert.id.desc()).limit(limit)
        for column in ("app", "env", "cluster"):
            if column in equal:
                query = query.where(getattr(Alert, column) == equal[column])
        if reason is not None:
            query = query.where(Alert.reason == reason)
        if state == "active":
            query = query.where(Alert.resolved_at.is_(None))
        elif state == "resolved":
            query = query.where(Alert.resolved_at.is_not(None))
        if before is not None:
            query = query.where(tuple_(Alert.fired_at, Alert.id) < tuple_(*before))
        return list((await self.session.execute(query)).scalars())

    async def active(self) -> list[Alert]:
        return list(
            (await self.session.execute(select(Alert).where(Alert.resolved_at.is_(None)))).scalars()
        )

    async def firing_by_cluster(self, app: str, env: str, clusters: list[str]) -> dict[str, int]:
        """Active alerts of the app in each of these clusters (absent: none)."""
        rows = await self.session.execute(
            select(Alert.cluster, func.count())
            .where(
                Alert.app == app,
                Alert.env == env,
                Alert.cluster.in_(clusters),
                Alert.resolved_at.is_(None),
            )
            .group_by(Alert.cluster)
        )
        return {cluster: int(n) for cluster, n in rows.all()}

    async def thresholds(self) -> list[AlertThreshold]:
        return list((await self.session.execute(select(AlertThreshold))).scalars())

    async def resolve(self, alert_id: uuid.UUID, at: datetime) -> str | None:
        """Mark an active alert resolved; its app, or None when it was resolved already."""
        row = await self.session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.resolved_at.is_(None))
            .values(resolved_at=at)
            .returning(Alert.app)
        )
        return row.scalar_one_or_none()
