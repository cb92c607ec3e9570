"""Bearer tokens, roles, teams and service tokens."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from pydantic import SecretStr

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import (
    Admin,
    Authenticator,
    CurrentPrincipal,
    Developer,
    Principal,
    ServiceCaller,
    Viewer,
    mint_token,
    require_service,
)
from flotilla_runtime.auth_cli import main as token_cli
from flotilla_runtime.errors import Unauthenticated, install_problem_handlers
from flotilla_runtime.settings import DEV_JWT_SECRET, AuthSettings, ServiceSettings, UnsafeSettings

SETTINGS = AuthSettings()


def build() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.middleware("http")
    async def state(request, call_next):  # type: ignore[no-untyped-def]
        request.state.authenticator = Authenticator(SETTINGS)
        return await call_next(request)

    @app.get("/read")
    async def read(p: Viewer) -> dict[str, str]:
        return {"sub": p.subject}

    @app.post("/deploy/{team}")
    async def deploy(team: str, p: Developer) -> dict[str, bool]:
        return {"allowed": p.may_act_for_team(team)}

    @app.delete("/cluster")
    async def admin_only(p: Admin) -> dict[str, str]:
        return {"sub": p.subject}

    @app.get("/internal")
    async def internal(p: ServiceCaller) -> dict[str, str]:
        return {"sub": p.subject}

    @app.get("/internal/sync-only", dependencies=[Depends(require_service("k8s-sync"))])
    async def sync_only() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/me")
    async def me(p: CurrentPrincipal) -> Principal:
        return p

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build()), base_url="http://t"
    ) as c:
        yield c


def bearer(**kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SETTINGS, **kwargs)}"}  # type: ignore[arg-type]


async def test_missing_or_bad_token_is_401_with_challenge(client: httpx.AsyncClient) -> None:
    r = await client.get("/read")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["type"] == "https://flotilla.io/problems/unauthenticated"
    forged = AuthSettings(auth_jwt_secret=SecretStr("another-secret-of-sufficient-length-000"))
    r = await client.get(
        "/read",
        headers={"Authorization": "Bearer " + mint_token(forged, subject="x", roles=[Role.ADMIN])},
    )
    assert r.status_code == 401
    r = await client.get("/read", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401


async def test_expired_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/read", headers=bearer(subject="a", roles=[Role.VIEWER], ttl_s=-120))
    assert r.status_code == 401
    assert r.json()["detail"] == "token expired"


async def test_wrong_audience_is_rejected(client: httpx.AsyncClient) -> None:
    token = jwt.encode(
        {"sub": "a", "roles": ["admin"], "aud": "other", "iss": "flotilla", "exp": 2**31},
        SETTINGS.auth_jwt_secret.get_secret_value(),
        algorithm="HS256",
    )
    r = await client.get("/read", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("roles", "read", "deploy", "admin"),
    [
        ([Role.VIEWER], 200, 403, 403),
        ([Role.DEVELOPER], 200, 200, 403),
        ([Role.ADMIN], 200, 200, 200),
        ([], 403, 403, 403),
    ],
)
async def test_roles_are_ordered(
    client: httpx.AsyncClient, roles: list[Role], read: int, deploy: int, admin: int
) -> None:
    h = bearer(subject="u", roles=roles, teams=["shop"])
    assert (await client.get("/read", headers=h)).status_code == read
    assert (await client.post("/deploy/shop", headers=h)).status_code == deploy
    r = await client.delete("/cluster", headers=h)
    assert r.status_code == admin
    if admin == 403:
        assert r.json()["detail"] == "requires role admin"


async def test_developers_act_for_their_own_teams_only(client: httpx.AsyncClient) -> None:
    dev = bearer(subject="d", roles=[Role.DEVELOPER], teams=["shop"])
    assert (await client.post("/deploy/shop", headers=dev)).json() == {"allowed": True}
    assert (await client.post("/deploy/payments", headers=dev)).json() == {"allowed": False}
    admin = bearer(subject="a", roles=[Role.ADMIN])
    assert (await client.post("/deploy/payments", headers=admin)).json() == {"allowed": True}


async def test_internal_endpoints_take_service_tokens_only(client: httpx.AsyncClient) -> None:
    svc = bearer(subject="release-api", service=True)
    assert (await client.get("/internal", headers=svc)).status_code == 200
    assert (await client.get("/read", headers=svc)).status_code == 200  # services may read
    assert (await client.delete("/cluster", headers=svc)).status_code == 403
    admin = bearer(subject="a", roles=[Role.ADMIN])
    r = await client.get("/internal", headers=admin)
    assert r.status_code == 403


async def test_token_cli_mints_a_token_the_service_accepts(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert token_cli(["--subject", "alice", "--role", "developer", "--team", "shop"]) == 0
    token = capsys.readouterr().out.strip()
    r = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json() == {
        "subject": "alice",
        "roles": ["developer"],
        "teams": ["shop"],
        "kind": "user",
    }


def test_token_cli_refuses_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOTILLA_AUTH_JWKS_URL", "https://idp.example/jwks")
    assert token_cli(["--role", "admin"]) == 2
    assert "refusing" in capsys.readouterr().err


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, Any]]:
    """A JWKS document served over loopback HTTP, as an identity provider would."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    server.shutdown()
    server.server_close()
    thread.join()


async def test_production_tokens_are_verified_against_the_jwks(
    jwks_server: tuple[str, Any],
) -> None:
    url, key = jwks_server
    settings = AuthSettings(auth_jwks_url=url)
    authenticator = Authenticator(settings)
    claims = {
        "sub": "carol",
        "roles": ["developer"],
        "teams": ["pay"],
        "iss": "flotilla",
        "aud": "flotilla",
        "exp": int(time.time()) + 60,
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    principal = await authenticator.authenticate(token)
    assert principal.subject == "carol"
    assert principal.may_act_for_team("pay")
    # The development secret means nothing once a JWKS is configured.
    with pytest.raises(Unauthenticated):
        await authenticator.authenticate(mint_token(settings, subject="x", roles=[Role.ADMIN]))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated):
        await authenticator.authenticate(
            jwt.encode(claims, other, algorithm="RS256", headers={"kid": "k1"})
        )


def _signed(claims: dict[str, Any]) -> dict[str, str]:
    base = {"iss": "flotilla", "exp": int(time.time()) + 600}
    token = jwt.encode(base | claims, SETTINGS.auth_jwt_secret.get_secret_value(), "HS256")
    return {"Authorization": f"Bearer {token}"}


async def test_a_kind_claim_does_not_make_a_service(client: httpx.AsyncClient) -> None:
    """Only the service audience makes a service token: a person's token (audience `flotilla`)
    that says `kind: service` is still a person's, and without roles it reads nothing."""
    forged = _signed({"sub": "mallory", "aud": "flotilla", "kind": "service"})
    assert (await client.get("/internal", headers=forged)).status_code == 403
    assert (await client.get("/read", headers=forged)).status_code == 403
    assert (await client.get("/me", headers=forged)).json()["kind"] == "user"


async def test_service_tokens_carry_no_roles_and_name_the_service(
    client: httpx.AsyncClient,
) -> None:
    svc = _signed({"sub": "release-api", "aud": "flotilla-services", "roles": ["admin"]})
    assert (await client.get("/me", headers=svc)).json() == {
        "subject": "release-api",
        "roles": [],
        "teams": [],
        "kind": "service",
    }
    assert (await client.delete("/cluster", headers=svc)).status_code == 403  # no admin by claim
    both = _signed({"sub": "x", "aud": ["flotilla", "flotilla-services"], "roles": ["admin"]})
    assert (await client.get("/read", headers=both)).status_code == 401


async def test_internal_endpoints_name_the_services_they_serve(client: httpx.AsyncClient) -> None:
    assert (
        await client.get("/internal/sync-only", headers=bearer(subject="k8s-sync", service=True))
    ).status_code == 200
    r = await client.get("/internal/sync-only", headers=bearer(subject="release-api", service=True))
    assert r.status_code == 403
    assert "release-api" in r.json()["detail"]


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside development mode a service will not start on the repository's secret, nor on a
    short one, and says which variable to set; with a real secret or JWKS it starts."""
    monkeypatch.delenv("FLOTILLA_DEV_MODE")

    class Settings(ServiceSettings, AuthSettings):
        model_config = {"env_prefix": "SHOP_"}
        service_name: str = "shop"

    for secret in (DEV_JWT_SECRET, "short"):
        with pytest.raises(UnsafeSettings, match="SHOP_AUTH_JWT_SECRET"):
            Settings(auth_jwt_secret=SecretStr(secret)).check_production()
    Settings(auth_jwt_secret=SecretStr("x" * 40)).check_production()
    Settings(auth_jwks_url="https://idp.example/jwks").check_production()
    monkeypatch.setenv("SHOP_DEV_MODE", "true")
    Settings().check_production()
