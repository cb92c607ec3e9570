"""The queries of the apps domain: applications and the hostnames they hold."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_runtime.db import Repository
from release_api.models import App, AppHost


class AppRepository(Repository[App]):
    model = App

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)

    async def page(
        self, *, archived: bool, team: str | None, after: str | None, limit: int
    ) -> list[App]:
        """Up to `limit` apps by name after `after` (one more tells the caller there are more)."""
        query = select(App).where(App.archived == archived).order_by(App.name).limit(limit)
        if team:
            query = query.where(App.team == team)
        if after:
            query = query.where(App.name > after)
        return list((await self.session.execute(query)).scalars())

    async def find(self, name: str, *, for_update: bool = False) -> App | None:
        query = select(App).where(App.name == name)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def hosts_held_by_others(self, hosts: list[str], app: str) -> list[AppHost]:
        rows = await self.session.execute(
            select(AppHost).where(AppHost.host.in_(hosts), AppHost.app != app)
        )
        return list(rows.scalars())

    async def free_hosts(self, app: str) -> None:
        await self.session.execute(delete(AppHost).where(AppHost.app == app))
