"""A release's events: to Kafka through the outbox, and to the release's own stream (SSE)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.events import EventPayload
from flotilla_runtime.outbox import add_event
from release_api.models import ReleaseEvent

SOURCE = "/flotilla/release-api"


async def record(session: AsyncSession, release_id: uuid.UUID, payload: EventPayload) -> None:
    """The event to Kafka (outbox, key = app) and to the release's own stream."""
    app = getattr(payload, "app", "")
    await add_event(session, payload, source=SOURCE, key=app, subject=str(release_id))
    session.add(
        ReleaseEvent(
            release_id=release_id,
            type=payload.event_type,
            data=payload.model_dump(mode="json"),
        )
    )
