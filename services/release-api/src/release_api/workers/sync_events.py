"""k8s-sync's `io.flotilla.sync.failed` → the waiting rollout of that (app, env, cluster) fails.

The rollout's waiting-ingress step reads the mark and puts that cluster back; other clusters
are not affected. Delivery is at least once; the consumer runner deduplicates by event id.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts import CloudEvent
from flotilla_contracts.events import SyncFailedV1
from release_api.rollouts.repository import RolloutRepository
from release_api.rollouts.state import with_changes


async def on_sync_event(session: AsyncSession, event: CloudEvent) -> None:
    if event.type != SyncFailedV1.event_type:
        return
    failed = SyncFailedV1.model_validate(event.data)
    rollouts = await RolloutRepository(session).waiting_ingress(
        app=failed.app, env=failed.env, cluster=failed.cluster
    )
    for rollout in rollouts:
        rollout.progress = with_changes(rollout.progress, {"sync_failed": failed.reason})
