"""Fixtures: kubernetes-asyncio clients for the session's kubesim clusters, a fresh namespace."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client

from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_runtime.kube import api_client as kube_api_client


async def api_client(cluster: SimulatedCluster) -> client.ApiClient:
    return await kube_api_client(cluster.connection())


@pytest.fixture
def cluster(kubesim: KubesimProcess) -> SimulatedCluster:
    return kubesim.clusters["idc-a"]


@pytest.fixture
def chaos(kubesim: KubesimProcess) -> SimulatedCluster:
    return kubesim.clusters["chaos"]


@pytest.fixture
async def api(cluster: SimulatedCluster) -> AsyncIterator[client.ApiClient]:
    async with await api_client(cluster) as c:
        yield c


@pytest.fixture
async def namespace(api: client.ApiClient) -> AsyncIterator[str]:
    """A namespace of this test alone, deleted afterwards."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api)
    await core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    await core.delete_namespace(name)


async def admin(
    cluster: SimulatedCluster, method: str, path: str, **body: object
) -> dict[str, Any]:
    """Call kubesim's admin API (/_kubesim/...) of `cluster`."""
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=cluster.ca_file)) as http:
        r = await http.request(method, f"{cluster.url}/_kubesim/{path}", json=body or None)
        r.raise_for_status()
        return r.json()  # type: ignore[no-any-return]


def body_text(exc: Any) -> str:
    """The Status body of an ApiException as text."""
    body = exc.body
    return body.decode() if isinstance(body, bytes) else str(body or "")
