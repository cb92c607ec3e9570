"""The queries of the rollout domain: per-cluster rollouts, their phases and their progress."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import ReleasePhase, RolloutPhase
from flotilla_runtime.db import Repository
from release_api.models import Release, Rollout


class RolloutRepository(Repository[Rollout]):
    model = Rollout

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)

    async def of_release(self, release_id: uuid.UUID, *, for_update: bool = False) -> list[Rollout]:
        """Every cluster's rollout of a release, by cluster name."""
        query = select(Rollout).where(Rollout.release_id == release_id).order_by(Rollout.cluster)
        if for_update:
            query = query.with_for_update()
        return list((await self.session.execute(query)).scalars())

    async def set_phase_if(
        self, rollout_id: int, *, expected: RolloutPhase, values: dict[str, Any]
    ) -> bool:
        """Compare-and-set: write `values` only while the rollout is still in `expected`."""
        result = await self.session.execute(
            update(Rollout)
            .where(Rollout.id == rollout_id, Rollout.phase == expected.value)
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def unfinished_ids(self) -> list[int]:
        """Rollouts started and not terminal whose release is running (paused ones wait; the
        plan driver starts the pending ones)."""
        query = (
            select(Rollout.id)
            .join(Release, Release.id == Rollout.release_id)
            .where(
                Rollout.phase.notin_(
                    [p.value for p in RolloutPhase if p.is_terminal or p == RolloutPhase.PENDING]
                ),
                Release.phase == ReleasePhase.RUNNING.value,
            )
        )
        return list((await self.session.execute(query)).scalars())

    async def old_colours_pending(self) -> list[tuple[Rollout, Release]]:
        """Blue-green rollouts that succeeded and still keep the old colour for a rollback."""
        query = (
            select(Rollout, Release)
            .join(Release, Release.id == Rollout.release_id)
            .where(
                Rollout.phase == RolloutPhase.SUCCEEDED.value,
                Rollout.progress.has_key("scale_down_at"),
                ~Rollout.progress.has_key("scaled_down"),
            )
        )
        return [
            (rollout, release) for rollout, release in (await self.session.execute(query)).all()
        ]

    async def waiting_ingress(self, *, app: str, env: str, cluster: str) -> list[Rollout]:
        """The rollouts of an unfinished release of (app, env) waiting on `cluster`'s ingress."""
        query = (
            select(Rollout)
            .join(Release, Release.id == Rollout.release_id)
            .where(
                Release.app == app,
                Release.env == env,
                Release.phase.in_([ReleasePhase.RUNNING.value, ReleasePhase.PAUSED.value]),
                Rollout.cluster == cluster,
                Rollout.phase == RolloutPhase.WAITING_INGRESS.value,
            )
            .with_for_update(of=Rollout)  # not the release: releases.events' lock order
        )
        return list((await self.session.execute(query)).scalars())
