"""Every error leaves as RFC 9457 problem+json with a stable type."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from flotilla_runtime.errors import NotFound, install_problem_handlers


class AppNotFound(NotFound):
    type_ = "app-not-found"
    title = "Application not found"


class Spec(BaseModel):
    replicas: int = Field(ge=1)
    name: str


def build() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/apps/{name}")
    async def get_app(name: str) -> dict[str, str]:
        raise AppNotFound(f"no application {name!r}", app=name)

    @app.post("/apps")
    async def create(spec: Spec) -> Spec:
        return spec

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_domain_error(client: httpx.AsyncClient) -> None:
    r = await client.get("/apps/checkout")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == {
        "type": "https://flotilla.io/problems/app-not-found",
        "title": "Application not found",
        "status": 404,
        "detail": "no application 'checkout'",
        "instance": "/apps/checkout",
        "app": "checkout",
    }


async def test_validation_error_names_the_fields(client: httpx.AsyncClient) -> None:
    r = await client.post("/apps", json={"replicas": 0})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "https://flotilla.io/problems/validation-error"
    assert {e["loc"] for e in body["errors"]} == {"body.replicas", "body.name"}
    assert "body.replicas" in body["detail"]


async def test_malformed_json_is_a_problem_too(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/apps", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["type"] == "https://flotilla.io/problems/validation-error"


async def test_unknown_route_and_wrong_method(client: httpx.AsyncClient) -> None:
    r = await client.get("/nope")
    assert (r.status_code, r.json()["type"]) == (404, "https://flotilla.io/problems/not-found")
    r = await client.delete("/apps")
    assert r.status_code == 405
    assert r.json()["type"] == "https://flotilla.io/problems/method-not-allowed"
    assert r.headers["allow"] == "POST"


async def test_a_crash_is_a_500_problem_without_internals(client: httpx.AsyncClient) -> None:
    r = await client.get("/crash")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "https://flotilla.io/problems/internal"
    assert "secret" not in r.text
