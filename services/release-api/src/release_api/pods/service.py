"""Pod isolation: a pod taken out of its Deployment and Service, kept for a post-mortem.

The pod loses the labels its ReplicaSet and Service select on (the ReplicaSet replaces it) and
gets `flotilla.io/isolated` with who and when as annotations (flotilla_contracts.labels);
monitor-gateway's alerts leave it alone from then on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts import labels
from flotilla_contracts.events import PodIsolatedV1
from flotilla_runtime.errors import NotFound
from flotilla_runtime.outbox import add_event
from release_api import kubeops
from release_api.clients import Clusters, Placement
from release_api.pods.schemas import IsolatedPod
from release_api.releases.events import SOURCE


async def isolate(
    session: AsyncSession,
    clusters: Clusters,
    placement: Placement,
    *,
    app: str,
    env: str,
    pod: str,
    by: str,
) -> IsolatedPod:
    """Isolate `pod` of `app` in the placement's cluster; its event goes out with the commit."""
    api = await clusters.api(placement.cluster)
    try:
        obj = await kubeops.isolate_pod(
            api, placement.namespace, pod, app=app, by=by, at=datetime.now(UTC).isoformat()
        )
    except ApiException as exc:
        if exc.status == 404:
            raise NotFound(f"no pod {pod} in {placement.cluster}/{placement.namespace}") from None
        raise
    except LookupError as exc:
        raise NotFound(str(exc)) from None
    await add_event(
        session,
        PodIsolatedV1(
            app=app,
            env=env,
            cluster=placement.cluster,
            namespace=placement.namespace,
            pod=pod,
            by=by,
        ),
        source=SOURCE,
        key=app,
    )
    return render(placement.cluster, obj)


async def isolated(
    clusters: Clusters, placements: list[Placement], *, app: str, env: str
) -> list[IsolatedPod]:
    """The isolated pods of `app` in every placement."""
    out: list[IsolatedPod] = []
    for placement in placements:
        api = await clusters.api(placement.cluster)
        for obj in await kubeops.isolated_pods(api, placement.namespace, app, env):
            out.append(render(placement.cluster, obj))
    return out


async def delete(clusters: Clusters, placement: Placement, *, app: str, env: str, pod: str) -> None:
    """Delete an isolated pod (404 for a pod of the app that is not isolated: not this way)."""
    api = await clusters.api(placement.cluster)
    names = {
        (o.get("metadata") or {}).get("name")
        for o in await kubeops.isolated_pods(api, placement.namespace, app, env)
    }
    if pod not in names:
        raise NotFound(f"{pod} is not an isolated pod of {app} in {placement.cluster}")
    await kubeops.delete_pod(api, placement.namespace, pod)


def render(cluster: str, obj: dict[str, Any]) -> IsolatedPod:
    meta = obj.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return IsolatedPod(
        cluster=cluster,
        namespace=meta.get("namespace", ""),
        pod=meta.get("name", ""),
        phase=(obj.get("status") or {}).get("phase", ""),
        isolated_at=annotations.get(labels.ISOLATED_AT),
        isolated_by=annotations.get(labels.ISOLATED_BY),
    )
