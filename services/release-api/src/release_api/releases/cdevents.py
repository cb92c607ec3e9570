"""The CDEvents of an app's service in an environment (flotilla_contracts.cdevents), queued
with the change they report when the service publishes them (CDEVENTS_TOPIC).

- a release that ends succeeded or partially failed runs its version somewhere: the service
  was `deployed` there if no earlier release of the app to that environment ever did, else
  `upgraded`;
- a rollback release that succeeds (phase rolled-back): `rolledback`, to the version it put
  back;
- failed and aborted releases changed nothing (every cluster was put back): none;
- an app archived: `removed`, once per environment it ran in.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.cdevents import ServiceChange, service_event
from flotilla_contracts.enums import ReleasePhase
from flotilla_runtime.outbox import add_cdevent, cdevents_topic
from release_api.models import Release
from release_api.releases.repository import ReleaseRepository

SOURCE = "/flotilla/release-api"
RAN = (ReleasePhase.SUCCEEDED, ReleasePhase.PARTIALLY_FAILED, ReleasePhase.ROLLED_BACK)


async def on_outcome(session: AsyncSession, release: Release, outcome: ReleasePhase) -> None:
    if cdevents_topic(session) is None:
        return
    change: ServiceChange
    if outcome == ReleasePhase.ROLLED_BACK:
        change = "rolledback"
    elif outcome in (ReleasePhase.SUCCEEDED, ReleasePhase.PARTIALLY_FAILED):
        ran = await ReleaseRepository(session).ran_before(release, RAN)
        change = "upgraded" if ran else "deployed"
    else:
        return
    await _queue(session, change, release.app, release.env, release.image)


async def on_archive(session: AsyncSession, app: str) -> None:
    if cdevents_topic(session) is None:
        return
    for env in await ReleaseRepository(session).envs_ended_in(app, RAN):
        await _queue(session, "removed", app, env, None)


async def _queue(
    session: AsyncSession, change: ServiceChange, app: str, env: str, image: str | None
) -> None:
    event = service_event(
        change,
        app=app,
        env=env,
        image=image,
        event_id=str(uuid.uuid4()),
        source=SOURCE,
        at=datetime.now(UTC),
    )
    await add_cdevent(session, event, key=app)
