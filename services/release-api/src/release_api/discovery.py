"""What a client needs before it has a token: where the other services are, and how to sign in.

`GET /v1/discovery` is public (like `/.well-known/openid-configuration`): the CLI reads it on
`flotilla login URL` and keeps the answer in its context, so one URL is all a user types. The
services' URLs are the public ones an operator sets (`RELEASE_API_PUBLIC_URLS`); without them,
the URLs release-api itself calls the others by.

`POST /v1/dev/token` is the local stack's sign-in: in development mode it mints a token for
whoever asks (as `./flotilla token` does). Outside development mode it does not exist (404), and
`auth.development_login` says so; real deployments sign in through their identity provider
(`auth.device_flow`: OAuth 2.0 Device Authorization Grant, RFC 8628, for the CLI;
`auth.browser_login`: authorization code with PKCE, RFC 7636, for the web console).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import mint_token
from flotilla_runtime.errors import PROBLEM_RESPONSES, NotFound
from release_api.deps import SettingsDep
from release_api.settings import BrowserLogin, DeviceFlow, Settings

router = APIRouter(tags=["discovery"], responses=PROBLEM_RESPONSES)

SERVICES = ("release-api", "cluster-registry", "k8s-sync", "monitor-gateway")


class AuthInfo(BaseModel):
    issuer: str
    audience: str
    development_login: bool = Field(
        description="POST /v1/dev/token mints tokens (development mode only)"
    )
    device_flow: DeviceFlow | None = Field(
        description="the identity provider's device flow for CLIs, when one is configured"
    )
    browser_login: BrowserLogin | None = Field(
        description="the identity provider's authorization code + PKCE login for the web "
        "console, when one is configured"
    )


class Discovery(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "services": {
                        "release-api": "https://flotilla.example.com",
                        "cluster-registry": "https://registry.flotilla.example.com",
                        "k8s-sync": "https://sync.flotilla.example.com",
                        "monitor-gateway": "https://monitor.flotilla.example.com",
                    },
                    "auth": {
                        "issuer": "https://sso.example.com",
                        "audience": "flotilla",
                        "development_login": False,
                        "device_flow": {
                            "client_id": "flotilla-cli",
                            "device_authorization_endpoint": "https://sso.example.com/device",
                            "token_endpoint": "https://sso.example.com/token",
                            "scope": "openid",
                        },
                        "browser_login": {
                            "client_id": "flotilla-console",
                            "authorization_endpoint": "https://sso.example.com/authorize",
                            "token_endpoint": "https://sso.example.com/token",
                            "scope": "openid",
                            "audience": None,
                        },
                    },
                }
            ]
        }
    )

    services: dict[str, str] = Field(description="service → its public base URL")
    auth: AuthInfo


def discovery_of(settings: Settings) -> Discovery:
    internal = {
        "release-api": settings.release_api_url,
        "cluster-registry": settings.cluster_registry_url,
        "k8s-sync": settings.k8s_sync_url,
        "monitor-gateway": settings.monitor_gateway_url,
    }
    services = {name: settings.public_urls.get(name, internal[name]) for name in SERVICES}
    return Discovery(
        services=services,
        auth=AuthInfo(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            development_login=development_login(settings),
            device_flow=settings.device_flow,
            browser_login=settings.browser_login,
        ),
    )


def development_login(settings: Settings) -> bool:
    """Only in development mode, and only while tokens are the HS256 ones release-api signs."""
    return settings.dev_mode and settings.auth_jwks_url is None


@router.get(
    "/discovery",
    operation_id="discover",
    summary="Where the services are and how to sign in (no token needed)",
)
async def discover(settings: SettingsDep) -> Discovery:
    return discovery_of(settings)


Subject = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{1,64}$")]
Team = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]


class DevTokenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"subject": "alice", "roles": ["developer"], "teams": ["commerce"]}]
        },
    )

    subject: Subject
    roles: list[Role] = Field(default_factory=lambda: [Role.DEVELOPER], max_length=3)
    teams: list[Team] = Field(default_factory=list, max_length=50)
    ttl_s: int = Field(8 * 3600, ge=60, le=7 * 24 * 3600)


class DevToken(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl",
                    "expires_at": "2026-12-05T09:30:00Z",
                }
            ]
        }
    )

    token: str
    expires_at: datetime


@router.post(
    "/dev/token",
    operation_id="developmentLogin",
    summary="Development mode only: a token for whoever asks (404 in production)",
)
async def dev_token(body: DevTokenRequest, settings: SettingsDep) -> DevToken:
    if not development_login(settings):
        raise NotFound("no development login here: sign in with the identity provider")
    token = mint_token(
        settings, subject=body.subject, roles=body.roles, teams=body.teams, ttl_s=body.ttl_s
    )
    return DevToken(token=token, expires_at=datetime.now(UTC) + timedelta(seconds=body.ttl_s))
