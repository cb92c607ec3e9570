"""Settings of release-api: environment variables prefixed `RELEASE_API_`."""

from pydantic import BaseModel, Field

from flotilla_runtime.settings import FullServiceSettings, service_config


class DeviceFlow(BaseModel):
    """Where a CLI runs the OAuth 2.0 device authorization grant (RFC 8628)."""

    client_id: str
    device_authorization_endpoint: str
    token_endpoint: str
    scope: str = "openid"


class BrowserLogin(BaseModel):
    """Where the web console runs the OAuth 2.0 authorization code grant with PKCE (RFC 6749
    §4.1, RFC 7636 S256) as a public client: the identity provider must list the console's
    URL (`<release-api public URL>/console/`) as a redirect URI and allow it as a CORS origin
    at its token endpoint. The access token it returns is what the services verify (by
    AUTH_JWKS_URL), so it must carry Flotilla's audience, `roles` and `teams`."""

    client_id: str
    authorization_endpoint: str
    token_endpoint: str
    scope: str = "openid"
    audience: str | None = Field(
        None, description="sent as `audience` to providers that want one (Auth0, ...)"
    )


class Settings(FullServiceSettings):
    model_config = service_config("RELEASE_API_")

    service_name: str = "release-api"
    port: int = 8080
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_release"
    ingress_propagation_s: float = Field(
        1.5,
        ge=0,
        le=60,
        description="How long the ingress takes to stop sending to a pod (k8s-sync's measured "
        "p99 at 10,000 endpoints is 1.33 s); preStop waits this plus the margin.",
    )
    drain_margin_s: float = Field(2.0, ge=0, le=300, description="Added to the propagation.")
    follow_max: int = Field(
        200, ge=1, le=100_000, description="Release event streams (SSE) at once on one replica."
    )
    runner_poll_s: float = Field(
        0.25, gt=0, le=10, description="How often unfinished rollouts are looked for."
    )
    connection_refresh_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="How often a cluster's connection is re-read from cluster-registry (a "
        "rotated credential is picked up within this time; while the registry is away the "
        "last known one is used).",
    )
    public_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Service → the base URL clients reach it at, for GET /v1/discovery (JSON, "
        'e.g. {"cluster-registry": "https://registry.example.com"}); a service not named: the '
        "URL release-api calls it by.",
    )
    device_flow: DeviceFlow | None = Field(
        None,
        description="The identity provider's OAuth 2.0 device flow (RFC 8628) that the CLI "
        "signs in with, published by GET /v1/discovery (JSON: client_id, "
        "device_authorization_endpoint, token_endpoint, scope).",
    )
    browser_login: BrowserLogin | None = Field(
        None,
        description="The identity provider's authorization code + PKCE login that the web "
        "console signs in with, published by GET /v1/discovery (JSON: client_id, "
        "authorization_endpoint, token_endpoint, scope, audience).",
    )
    console_dir: str | None = Field(
        None,
        description="A built web console (console/dist) to serve at /console/ from this origin "
        "(the local stack sets it; a deployment may serve the files elsewhere and list that "
        "origin in the other services' CORS_ORIGINS).",
    )
