"""A rollout held while the ingress does not follow its cluster's pods.

Held while the ingress does not follow: before a step that replaces pods (applying a new
version over a running Deployment, and each look at it while it rolls out), k8s-sync is asked
whether the ingress follows the app's pods in this cluster (`IngressSync.not_following`). If
not — k8s-sync unreachable, not watching the cluster, failing to apply the app's backend — the
rollout is held: not applied yet, or its Deployment paused, with `held` in its progress and an
`io.flotilla.rollout.held` event; it goes on (unpaused, another event) once the ingress
follows again. Held time counts toward the deadline.

Why: an old pod is stopped only after the ingress moved off it (its preStop sleep is that
time), which needs k8s-sync. Without the hold, a Deployment that kept replacing pods while
k8s-sync was down (tests/faults: both replicas killed for 10 s) left the ingress sending to
stopped pods — 930 of 2,865 requests failed.

The pause and its reason (annotation `flotilla.io/held`) are one patch of the Deployment, and
the pause is lifted from what the Deployment says. When it was lifted from the database's
record instead, a pause whose record was lost (the database restarted between the two writes,
or two replicas stepped one rollout after a leadership change) stayed until the cluster's
deadline put it back (tests/faults, database-restarted, seen once in CI).
"""

from __future__ import annotations

import structlog
from kubernetes_asyncio import client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts.events import RolloutHeldV1
from flotilla_runtime.db import session_scope
from release_api import kubeops
from release_api.clients import IngressSync
from release_api.models import Release, Rollout
from release_api.releases.events import record
from release_api.releases.repository import ReleaseRepository
from release_api.rollouts.state import RolloutProgress, with_changes

log = structlog.get_logger(__name__)


class IngressHold:
    """Asks k8s-sync before a step that replaces pods; holds the rollout or lets it go on."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], ingress: IngressSync
    ) -> None:
        self._sessionmaker = sessionmaker
        self._ingress = ingress

    async def check(
        self,
        release: Release,
        rollout: Rollout,
        api: client.ApiClient,
        name: str,
        *,
        deployment: kubeops.Obj | None = None,
    ) -> bool:
        """Hold the rollout while the ingress does not follow this cluster, or let it go on;
        True while held. `deployment`: the Deployment as just read, while it rolls out — it is
        paused while held, with the reason in an annotation in the same patch, and unpaused
        from what it says (not from the database's record, which a database outage or a
        replica that stopped leading can leave behind the Deployment)."""
        why = await self._ingress.not_following(release.app, release.env, rollout.cluster)
        if deployment is not None:
            paused = bool((deployment.get("spec") or {}).get("paused"))
            if why is not None and not (paused and kubeops.held(deployment)):
                await kubeops.set_held(api, rollout.namespace, name, why)
            elif why is None and kubeops.held(deployment):
                await kubeops.set_held(api, rollout.namespace, name, None)
        was = RolloutProgress.of(rollout.progress).held
        if (why is None) == (was is None):
            return why is not None
        log.warning("rollout_held" if why else "rollout_unheld", cluster=rollout.cluster, why=why)
        async with session_scope(self._sessionmaker) as session:
            await ReleaseRepository(session).lock(release.id)  # first: releases.events
            current = await session.get(Rollout, rollout.id, with_for_update=True)
            assert current is not None
            current.progress = with_changes(current.progress, {"held": why})
            await record(
                session,
                release.id,
                RolloutHeldV1(
                    release_id=release.id,
                    app=release.app,
                    env=release.env,
                    cluster=rollout.cluster,
                    held=why is not None,
                    reason=why[:2000] if why else None,
                ),
            )
        rollout.progress = with_changes(rollout.progress, {"held": why})
        return why is not None
