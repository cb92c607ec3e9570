"""The queries of the releases domain: releases, their events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import ReleasePhase, RolloutPhase
from flotilla_runtime.db import Repository
from release_api.models import ACTIVE_PHASES, Release, ReleaseEvent, Rollout


class ReleaseRepository(Repository[Release]):
    model = Release

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)

    async def page(
        self, app: str, *, env: str | None, before_seq: int | None, limit: int
    ) -> list[Release]:
        """Up to `limit` releases of `app`, newest first, older than `before_seq`."""
        query = select(Release).where(Release.app == app).order_by(Release.seq.desc()).limit(limit)
        if env:
            query = query.where(Release.env == env)
        if before_seq:
            query = query.where(Release.seq < before_seq)
        return list((await self.session.execute(query)).scalars())

    async def fleet_page(
        self, *, active: bool, env: str | None, before_seq: int | None, limit: int
    ) -> list[Release]:
        """Up to `limit` releases of every app, newest first, older than `before_seq`;
        `active`: only those not finished."""
        query = select(Release).order_by(Release.seq.desc()).limit(limit)
        if active:
            done = [p.value for p in ReleasePhase if p.is_terminal]
            query = query.where(Release.phase.not_in(done))
        if env:
            query = query.where(Release.env == env)
        if before_seq:
            query = query.where(Release.seq < before_seq)
        return list((await self.session.execute(query)).scalars())

    async def latest(self, app: str, env: str) -> Release | None:
        """The last release of `app` to `env`, whatever its outcome."""
        query = (
            select(Release)
            .where(Release.app == app, Release.env == env)
            .order_by(Release.seq.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def for_update(self, release_id: uuid.UUID) -> Release | None:
        query = select(Release).where(Release.id == release_id).with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def running_ids(self) -> list[uuid.UUID]:
        """Releases the plan driver looks at: running ones, oldest first."""
        query = (
            select(Release.id)
            .where(Release.phase == ReleasePhase.RUNNING.value)
            .order_by(Release.seq)
        )
        return list((await self.session.execute(query)).scalars())

    async def env_of(self, release_id: uuid.UUID) -> str | None:
        return await self.session.scalar(select(Release.env).where(Release.id == release_id))

    async def lock(self, release_id: uuid.UUID) -> None:
        """The release's row lock, without loading it (a no-op when already held)."""
        await self.session.execute(
            select(Release.id).where(Release.id == release_id).with_for_update()
        )

    async def by_idempotency_key(self, app: str, key: str) -> Release | None:
        query = select(Release).where(Release.app == app, Release.idempotency_key == key)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def active_id(self, app: str, env: str) -> uuid.UUID | None:
        """The release of `app` to `env` still running or paused, if any (at most one)."""
        query = select(Release.id).where(
            Release.app == app, Release.env == env, Release.phase.in_(ACTIVE_PHASES)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def phase_of(self, release_id: uuid.UUID) -> str:
        query = select(Release.phase).where(Release.id == release_id)
        return (await self.session.execute(query)).scalar_one()

    async def events_after(
        self, release_id: uuid.UUID, after: int, *, limit: int = 500
    ) -> list[ReleaseEvent]:
        """The release's own event stream, in order, after event id `after`."""
        query = (
            select(ReleaseEvent)
            .where(ReleaseEvent.release_id == release_id, ReleaseEvent.id > after)
            .order_by(ReleaseEvent.id)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def deployed(self, app: str, env: str | None) -> list[tuple[Release, Rollout]]:
        """Per (env, cluster), the newest rollout that succeeded and its release."""
        query = (
            select(Release, Rollout)
            .join(Rollout, Rollout.release_id == Release.id)
            .where(Release.app == app, Rollout.phase == RolloutPhase.SUCCEEDED.value)
            .order_by(Release.env, Rollout.cluster, Release.seq.desc())
            .distinct(Release.env, Rollout.cluster)
        )
        if env is not None:
            query = query.where(Release.env == env)
        return [(r, o) for r, o in (await self.session.execute(query)).all()]

    async def ran_before(self, release: Release, phases: Sequence[ReleasePhase]) -> bool:
        """Whether an earlier release of the app to the same env ended in one of `phases`."""
        found = await self.session.execute(
            select(Release.id)
            .where(
                Release.app == release.app,
                Release.env == release.env,
                Release.seq < release.seq,
                Release.phase.in_([p.value for p in phases]),
            )
            .limit(1)
        )
        return found.first() is not None

    async def envs_ended_in(self, app: str, phases: Sequence[ReleasePhase]) -> list[str]:
        """The environments where a release of `app` ended in one of `phases`."""
        rows = await self.session.execute(
            select(Release.env)
            .where(Release.app == app, Release.phase.in_([p.value for p in phases]))
            .distinct()
        )
        return sorted(rows.scalars())
