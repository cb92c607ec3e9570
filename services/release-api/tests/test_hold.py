"""The ingress hold keeps its pause on the Deployment (release_api.rollouts.hold), on kubesim
over HTTP. k8s-sync's answer is set by the test, and the database is away: the pause taken
while it was away must still be lifted once the ingress follows (tests/faults once saw a
cluster stay paused until its deadline after a database restart: the pause was in Kubernetes,
its record nowhere)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from kubernetes_asyncio import client
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

import release_api.main as release_main
from flotilla_contracts import labels
from flotilla_contracts.events import RolloutHeldV1
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_runtime.db import create_sessionmaker, session_scope
from flotilla_runtime.kube import api_client
from flotilla_runtime.migrations import upgrade_async
from release_api import kubeops
from release_api.clients import IngressSync
from release_api.models import App, Release, ReleaseEvent, Rollout
from release_api.rollouts.hold import IngressHold

pytestmark = pytest.mark.integration


class Following:
    """k8s-sync's `following` answer for every cluster: `why` (None: it follows)."""

    def __init__(self) -> None:
        self.why: str | None = None

    async def not_following(self, app: str, env: str, cluster: str) -> str | None:
        return self.why


def database_away() -> Any:
    raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
async def api(kubesim: KubesimProcess) -> AsyncIterator[client.ApiClient]:
    async with await api_client(kubesim.clusters["idc-a"].connection()) as c:
        yield c


async def web_deployment(api: client.ApiClient) -> str:
    """A namespace of its own with one Deployment `web` (1 replica); the namespace."""
    ns = f"hold-{uuid.uuid4().hex[:6]}"
    namespace: Any = {"metadata": {"name": ns}}
    await client.CoreV1Api(api).create_namespace(namespace)
    web: Any = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "web:1"}]},
            },
        },
    }
    await client.AppsV1Api(api).create_namespaced_deployment(ns, web)
    return ns


async def test_a_pause_whose_record_was_lost_is_lifted(api: client.ApiClient) -> None:
    ns = await web_deployment(api)
    core = client.CoreV1Api(api)
    following = Following()
    hold = IngressHold(cast(Any, database_away), cast(IngressSync, following))
    release = Release(id=uuid.uuid4(), app="web", env="prod")
    rollout = Rollout(id=1, cluster="idc-a", namespace=ns, progress={})

    async def deployment() -> kubeops.Obj:
        found = await kubeops.read_deployment(api, ns, "web")
        assert found is not None
        return found

    try:
        # k8s-sync does not follow: paused, with the reason, although recording it fails
        following.why = "k8s-sync unreachable"
        with pytest.raises(ConnectionRefusedError):
            await hold.check(release, rollout, api, "web", deployment=await deployment())
        paused = await deployment()
        assert paused["spec"]["paused"] is True
        assert paused["metadata"]["annotations"][labels.HELD] == "k8s-sync unreachable"
        assert rollout.progress == {}  # nothing recorded
        # it follows again: the Deployment says it is held, so the pause goes
        following.why = None
        held = await hold.check(release, rollout, api, "web", deployment=await deployment())
        assert held is False
        lifted = await deployment()
        assert not lifted["spec"].get("paused")
        assert labels.HELD not in (lifted["metadata"].get("annotations") or {})
        # an operator's pause (no reason of the hold's) is not the hold's to lift
        await kubeops.set_paused(api, ns, "web", True)
        await hold.check(release, rollout, api, "web", deployment=await deployment())
        assert (await deployment())["spec"]["paused"] is True
    finally:
        await core.delete_namespace(ns)


async def test_holding_and_letting_go_are_recorded_once_each(
    api: client.ApiClient, postgres_url: str
) -> None:
    """With the database there: the rollout's progress says why it is held, one
    io.flotilla.rollout.held event says so (and one when it goes on), and asking again while
    nothing changed records nothing more."""
    url = await fresh_database(postgres_url, f"hold_{uuid.uuid4().hex[:8]}")
    await upgrade_async(url, release_main.MIGRATIONS)
    engine = create_async_engine(url)
    sessionmaker = create_sessionmaker(engine)
    ns = await web_deployment(api)
    core = client.CoreV1Api(api)
    release_id = uuid.uuid4()
    async with session_scope(sessionmaker) as session:
        session.add(App(name="web", team="shop", type="python", spec={}))
        await session.flush()
        session.add(
            Release(
                id=release_id,
                app="web",
                env="prod",
                image="web:2",
                strategy="rolling",
                spec={},
                app_version=1,
                phase="running",
                requested_by="ada",
            )
        )
        await session.flush()
        session.add(Rollout(id=1, release_id=release_id, cluster="idc-a", namespace=ns, replicas=1))
    following = Following()
    hold = IngressHold(sessionmaker, cast(IngressSync, following))

    async def step() -> tuple[bool, Rollout]:
        async with session_scope(sessionmaker) as session:
            release = await session.get(Release, release_id)
            rollout = await session.get(Rollout, 1)
        assert release is not None
        assert rollout is not None
        found = await kubeops.read_deployment(api, ns, "web")
        held = await hold.check(release, rollout, api, "web", deployment=found)
        return held, rollout

    async def recorded() -> list[tuple[bool, str | None]]:
        async with session_scope(sessionmaker) as session:
            rows = (
                await session.execute(
                    select(ReleaseEvent.data)
                    .where(ReleaseEvent.type == RolloutHeldV1.event_type)
                    .order_by(ReleaseEvent.id)
                )
            ).scalars()
            return [(d["held"], d["reason"]) for d in rows]

    try:
        following.why = "k8s-sync unreachable"
        held, rollout = await step()
        assert held is True
        assert rollout.progress == {"held": "k8s-sync unreachable"}  # the caller's copy too
        held, _ = await step()  # still not following: nothing new
        assert held is True
        assert await recorded() == [(True, "k8s-sync unreachable")]
        following.why = None
        held, rollout = await step()
        assert held is False
        assert rollout.progress == {}  # the reason gone
        held, _ = await step()
        assert held is False
        assert await recorded() == [(True, "k8s-sync unreachable"), (False, None)]
        async with session_scope(sessionmaker) as session:
            stored = await session.get(Rollout, 1)
            assert stored is not None
            assert stored.progress == {}
        # a reason longer than an event carries is cut to 2,000 characters
        following.why = "x" * 2500
        await step()
        assert (await recorded())[-1] == (True, "x" * 2000)
    finally:
        await core.delete_namespace(ns)
        await engine.dispose()
