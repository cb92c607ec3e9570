"""The typed cluster-registry client: pages followed, answers validated, one error for 'down'."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from flotilla_runtime.registry import RegistryClient, RegistryUnavailable


def registry(routes: dict[str, Any]) -> RegistryClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer svc"
        key = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
        body = routes.get(key, routes.get(request.url.path))
        if isinstance(body, int):
            return httpx.Response(body, json={"detail": "no"})
        if body is None:
            return httpx.Response(404, json={"detail": "not found"})
        return httpx.Response(200, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://registry")
    return RegistryClient(http, token="svc")


def connection(name: str) -> dict[str, Any]:
    return {"cluster": name, "idc": "idc-a", "api_server": f"https://{name}:6443", "token": "t"}


async def test_every_page_and_every_connection_that_still_exists() -> None:
    client = registry(
        {
            "/v1/clusters?limit=500": {"items": [{"name": "a", "idc": "x"}], "next_cursor": "a"},
            "/v1/clusters?limit=500&cursor=a": {"items": [{"name": "b", "idc": "y", "more": 1}]},
            "/v1/internal/clusters/a/connection": connection("a"),
            # b was deregistered between the list and its connection: left out
        }
    )
    assert [c.name for c in await client.clusters()] == ["a", "b"]
    assert [c.cluster for c in await client.connections()] == ["a"]
    await client.aclose()


async def test_missing_is_none_and_a_broken_registry_is_unavailable() -> None:
    client = registry({"/v1/environments/prod": 500, "/v1/clusters/a": {"unexpected": True}})
    assert await client.environment("staging") is None
    with pytest.raises(RegistryUnavailable, match="answered 500"):
        await client.environment("prod")
    with pytest.raises(RegistryUnavailable, match="/v1/clusters/a"):
        await client.cluster("a")
    await client.aclose()


async def test_an_unreachable_registry_is_a_503_problem() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(refuse), base_url="http://registry")
    client = RegistryClient(http, token=None)
    with pytest.raises(RegistryUnavailable) as caught:
        await client.connection("a")
    assert caught.value.status == 503
    assert caught.value.headers() == {"Retry-After": "5"}
    await client.aclose()
