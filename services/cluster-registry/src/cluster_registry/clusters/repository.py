"""Every SQL statement about clusters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from cluster_registry.models import Cluster, EnvironmentCluster, KnownNode
from flotilla_runtime.db import Repository


class ClusterRepository(Repository[Cluster]):
    model = Cluster

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)

    async def by_name(self, name: str, *, for_update: bool = False) -> Cluster | None:
        query = select(Cluster).where(Cluster.name == name)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(
        self,
        *,
        limit: int,
        after: str | None = None,
        idc: str | None = None,
        provider: str | None = None,
        status: str | None = None,
        environment: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> list[Cluster]:
        query = select(Cluster).order_by(Cluster.name).limit(limit)
        if after:
            query = query.where(Cluster.name > after)
        if idc:
            query = query.where(Cluster.idc == idc)
        if provider:
            query = query.where(Cluster.provider == provider)
        if status:
            query = query.where(Cluster.status == status)
        if labels:
            query = query.where(Cluster.labels.contains(labels))
        if environment:
            query = query.where(
                Cluster.id.in_(
                    select(EnvironmentCluster.cluster_id).where(
                        EnvironmentCluster.environment == environment
                    )
                )
            )
        return list((await self.session.execute(query)).scalars())

    async def sealed_with_other_keys(self, active: str, limit: int) -> Sequence[Cluster]:
        """Clusters whose credentials another key sealed, locked (others skip them)."""
        query = (
            select(Cluster)
            .where(Cluster.credentials_key_id != active)
            .order_by(Cluster.name)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).scalars().all()

    async def rows_per_key(self) -> dict[str, int]:
        query = select(Cluster.credentials_key_id, func.count()).group_by(
            Cluster.credentials_key_id
        )
        return {key: int(n) for key, n in (await self.session.execute(query)).all()}

    async def all(self) -> Sequence[Cluster]:
        return (await self.session.execute(select(Cluster).order_by(Cluster.name))).scalars().all()

    async def mappings(
        self, cluster_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[str, str]]]:
        rows = await self.session.execute(
            select(
                EnvironmentCluster.cluster_id,
                EnvironmentCluster.environment,
                EnvironmentCluster.namespace,
            )
            .where(EnvironmentCluster.cluster_id.in_(cluster_ids))
            .order_by(EnvironmentCluster.environment)
        )
        out: dict[uuid.UUID, list[tuple[str, str]]] = {}
        for cluster_id, env, namespace in rows:
            out.setdefault(cluster_id, []).append((env, namespace))
        return out

    async def mapping_count(self, cluster_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(EnvironmentCluster)
                .where(EnvironmentCluster.cluster_id == cluster_id)
            )
            or 0
        )

    async def known_nodes(self, cluster_id: uuid.UUID) -> set[str]:
        rows = await self.session.execute(
            select(KnownNode.name).where(KnownNode.cluster_id == cluster_id)
        )
        return set(rows.scalars())

    async def remember_nodes(self, cluster_id: uuid.UUID, joined: set[str], left: set[str]) -> None:
        for name in joined:
            self.session.add(KnownNode(cluster_id=cluster_id, name=name))
        if left:
            await self.session.execute(
                delete(KnownNode).where(
                    KnownNode.cluster_id == cluster_id, KnownNode.name.in_(left)
                )
            )
        await self.session.flush()
