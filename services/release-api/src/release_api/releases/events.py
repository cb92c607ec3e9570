"""A release's events: to Kafka through the outbox, and to the release's own stream (SSE).

A release's events are written one transaction at a time: `record` holds the release's row
lock until the commit, so their ids (the stream's cursor, and the outbox's order) follow the
order in which they committed. Without it, two clusters' phase changes committing in the
opposite order of their ids could be streamed as "after id 101" just before 100 commits, and
100 would never be sent (and Kafka would get them out of id order). To keep one lock order
(no deadlock), a transaction that locks a rollout row locks its release first.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.events import EventPayload
from flotilla_runtime.outbox import add_event
from release_api.models import ReleaseEvent
from release_api.releases.repository import ReleaseRepository

SOURCE = "/flotilla/release-api"


async def record(session: AsyncSession, release_id: uuid.UUID, payload: EventPayload) -> None:
    """The event to Kafka (outbox, key = app) and to the release's own stream."""
    await ReleaseRepository(session).lock(release_id)
    app = getattr(payload, "app", "")
    await add_event(session, payload, source=SOURCE, key=app, subject=str(release_id))
    session.add(
        ReleaseEvent(
            release_id=release_id,
            type=payload.event_type,
            data=payload.model_dump(mode="json"),
        )
    )
