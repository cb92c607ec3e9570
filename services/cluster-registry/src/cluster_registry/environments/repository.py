"""Every SQL statement about environments and where they place apps."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cluster_registry.models import Cluster, Environment, EnvironmentCluster
from flotilla_runtime.db import Repository


class EnvironmentRepository(Repository[Environment]):
    model = Environment

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)

    async def all(self) -> Sequence[Environment]:
        query = select(Environment).order_by(Environment.name)
        return (await self.session.execute(query)).scalars().all()

    async def find_for_update(self, name: str) -> Environment | None:
        query = select(Environment).where(Environment.name == name).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def placements(self, env: str) -> dict[str, str]:
        """Cluster name → namespace of every cluster the environment places apps in."""
        rows = await self.session.execute(
            select(Cluster.name, EnvironmentCluster.namespace)
            .join(Cluster, Cluster.id == EnvironmentCluster.cluster_id)
            .where(EnvironmentCluster.environment == env)
            .order_by(Cluster.name)
        )
        return {name: namespace for name, namespace in rows}

    async def clusters_of(self, env: str) -> Sequence[Cluster]:
        """The clusters the environment places apps in, by name."""
        query = (
            select(Cluster)
            .join(EnvironmentCluster, Cluster.id == EnvironmentCluster.cluster_id)
            .where(EnvironmentCluster.environment == env)
            .order_by(Cluster.name)
        )
        return (await self.session.execute(query)).scalars().all()

    async def unplace(self, env: str, cluster_id: UUID) -> None:
        await self.session.execute(
            delete(EnvironmentCluster).where(
                EnvironmentCluster.environment == env, EnvironmentCluster.cluster_id == cluster_id
            )
        )
