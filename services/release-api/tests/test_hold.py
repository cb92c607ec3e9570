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

from flotilla_contracts import labels
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_runtime.kube import api_client
from release_api import kubeops
from release_api.clients import IngressSync
from release_api.models import Release, Rollout
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


async def test_a_pause_whose_record_was_lost_is_lifted(api: client.ApiClient) -> None:
    ns = f"hold-{uuid.uuid4().hex[:6]}"
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    namespace: Any = {"metadata": {"name": ns}}
    await core.create_namespace(namespace)
    labels_ = {"app": "web"}
    web: Any = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels_},
            "template": {
                "metadata": {"labels": labels_},
                "spec": {"containers": [{"name": "app", "image": "web:1"}]},
            },
        },
    }
    await apps.create_namespaced_deployment(ns, web)
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
