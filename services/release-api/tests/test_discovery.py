"""GET /v1/discovery publishes the public URLs and sign-in; the development login exists only
in development mode (logic; tests/test_cli.py signs in through it on the running stack)."""

from __future__ import annotations

import jwt
import pytest
from pydantic import SecretStr

from flotilla_contracts.enums import Role
from flotilla_runtime.errors import NotFound
from release_api.discovery import DevTokenRequest, dev_token, discovery_of
from release_api.settings import DeviceFlow, Settings


def test_discovery_names_public_urls_and_falls_back_to_the_internal_ones() -> None:
    settings = Settings(
        dev_mode=False,
        auth_jwks_url="https://sso.example.com/jwks",
        public_urls={"cluster-registry": "https://registry.example.com"},
        device_flow=DeviceFlow(
            client_id="flotilla-cli",
            device_authorization_endpoint="https://sso.example.com/device",
            token_endpoint="https://sso.example.com/token",
        ),
    )
    found = discovery_of(settings)
    assert found.services["cluster-registry"] == "https://registry.example.com"
    assert found.services["k8s-sync"] == settings.k8s_sync_url
    assert found.auth.development_login is False
    assert found.auth.device_flow is not None
    assert found.auth.device_flow.client_id == "flotilla-cli"


async def test_the_development_login_is_a_404_outside_development_mode() -> None:
    production = Settings(dev_mode=False, auth_jwt_secret=SecretStr("x" * 40))
    with pytest.raises(NotFound):
        await dev_token(DevTokenRequest(subject="mallory", roles=[Role.ADMIN]), production)
    jwks = Settings(dev_mode=True, auth_jwks_url="https://sso.example.com/jwks")
    with pytest.raises(NotFound):  # tokens are the identity provider's: none minted here
        await dev_token(DevTokenRequest(subject="mallory"), jwks)


async def test_the_development_login_mints_what_was_asked() -> None:
    settings = Settings(dev_mode=True)
    minted = await dev_token(
        DevTokenRequest(subject="alice", roles=[Role.DEVELOPER], teams=["commerce"], ttl_s=600),
        settings,
    )
    claims = jwt.decode(
        minted.token,
        settings.auth_jwt_secret.get_secret_value(),
        algorithms=["HS256"],
        audience=settings.auth_audience,
    )
    assert (claims["sub"], claims["roles"], claims["teams"]) == (
        "alice",
        ["developer"],
        ["commerce"],
    )
    assert claims["exp"] - claims["iat"] == 600
