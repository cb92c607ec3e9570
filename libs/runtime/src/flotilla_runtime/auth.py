"""Bearer-token authentication (PyJWT) and role checks.

Tokens carry `sub`, `roles` (viewer < developer < admin) and `teams`. Development and tests
sign with an HS256 secret from settings; production verifies RS256/ES256 tokens against a JWKS
URL.

Services call each other with service tokens: a token is a service's only when its audience is
the service audience (`AUTH_SERVICE_AUDIENCE`, "flotilla-services"), which an identity provider
issues to the services' own clients (OAuth2 client credentials), never to people — a `kind`
claim is not trusted. Its subject names the service (`release-api`, `k8s-sync`, ...), and an
internal endpoint names the services it serves (`require_service("k8s-sync", ...)`). A service
token holds no role: it passes only internal endpoints and viewer checks.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from flotilla_contracts.enums import Role
from flotilla_runtime.errors import FlotillaError, Forbidden, Unauthenticated
from flotilla_runtime.settings import AuthSettings

_RANK = {Role.VIEWER: 0, Role.DEVELOPER: 1, Role.ADMIN: 2}
_LEEWAY_S = 30


class Principal(BaseModel):
    """Who is calling: a person with roles and teams, or another Flotilla service."""

    model_config = ConfigDict(frozen=True)

    subject: str
    roles: frozenset[Role] = frozenset()
    teams: frozenset[str] = frozenset()
    kind: Literal["user", "service"] = "user"

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    def has_role(self, role: Role) -> bool:
        """True if any of the principal's roles is at least `role`."""
        return any(_RANK[r] >= _RANK[role] for r in self.roles)

    def may_act_for_team(self, team: str) -> bool:
        """Admins act for every team; developers for their own teams."""
        return self.has_role(Role.ADMIN) or (self.has_role(Role.DEVELOPER) and team in self.teams)


class Authenticator:
    """Verifies bearer tokens; a verified token is remembered until it expires (a console
    sends the same token with every request, and verifying it is most of a cheap read)."""

    CACHE_SIZE = 4096

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.auth_jwks_url) if settings.auth_jwks_url else None
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        if settings.auth_audience == settings.auth_service_audience:
            raise ValueError("AUTH_AUDIENCE and AUTH_SERVICE_AUDIENCE must differ")
        self._audiences = [settings.auth_audience, settings.auth_service_audience]

    async def authenticate(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known[1]:
                self._verified.move_to_end(token)
                return known[0]
            del self._verified[token]
        principal, expires = await self._verify(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self.CACHE_SIZE:
            self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                # PyJWKClient fetches over blocking HTTP (cached); keep it off the event loop.
                key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=["RS256", "ES256"],
                    audience=self._audiences,
                    issuer=self._settings.auth_issuer,
                    leeway=_LEEWAY_S,
                    options={"require": ["exp", "sub"]},
                )
            else:
                claims = jwt.decode(
                    token,
                    self._settings.auth_jwt_secret.get_secret_value(),
                    algorithms=["HS256"],
                    audience=self._audiences,
                    issuer=self._settings.auth_issuer,
                    leeway=_LEEWAY_S,
                    options={"require": ["exp", "sub"]},
                )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        audience = claims.get("aud")
        audiences = {audience} if isinstance(audience, str) else set(audience or ())
        if self._settings.auth_service_audience in audiences:
            if self._settings.auth_audience in audiences:
                raise Unauthenticated("a token is for people or for services, not both")
            return Principal(subject=str(claims["sub"]), kind="service"), float(claims["exp"])
        try:
            principal = Principal(
                subject=str(claims["sub"]),
                roles=frozenset(Role(r) for r in claims.get("roles", [])),
                teams=frozenset(str(t) for t in claims.get("teams", [])),
            )
            return principal, float(claims["exp"])
        except (ValueError, TypeError) as exc:
            raise Unauthenticated(f"invalid claims: {exc}") from exc


def mint_token(
    settings: AuthSettings,
    *,
    subject: str,
    roles: Iterable[Role] = (),
    teams: Iterable[str] = (),
    service: bool = False,
    ttl_s: int = 3600,
) -> str:
    """Sign an HS256 token with the configured secret (tests, the local stack, `flotilla-token`).
    A service token (`service=True`) is for the service audience and names the service."""
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": sorted(str(r) for r in roles),
        "teams": sorted(teams),
        "iss": settings.auth_issuer,
        "aud": settings.auth_service_audience if service else settings.auth_audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, settings.auth_jwt_secret.get_secret_value(), algorithm="HS256")


# Declares `bearerAuth` in every OpenAPI document and on each operation that needs a token,
# so Swagger UI's Authorize and generated clients send it; the check itself is below.
bearer_scheme = HTTPBearer(
    scheme_name="bearerAuth",
    bearerFormat="JWT",
    description="A JWT from your identity provider (people: audience AUTH_AUDIENCE; Flotilla's "
    "services: AUTH_SERVICE_AUDIENCE). The local stack mints one: `uv run flotilla-token`.",
    auto_error=False,
)


def bearer_token(authorization: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def reader_or_none(
    authenticator: Authenticator | None, authorization: str
) -> Principal | None:
    """The caller if its token is valid and may read (a viewer or a service), else None —
    for code outside the dependency system (middleware, probes) that must not raise."""
    token = bearer_token(authorization)
    if authenticator is None or token is None:
        return None
    try:
        principal = await authenticator.authenticate(token)
    except FlotillaError:
        return None
    return principal if principal.is_service or principal.has_role(Role.VIEWER) else None


async def current_principal(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)] = None,
) -> Principal:
    token = bearer_token(request.headers.get("authorization", ""))
    if token is None:
        raise Unauthenticated("missing bearer token")
    authenticator: Authenticator = request.state.authenticator
    return await authenticator.authenticate(token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold `role` or stronger. Service tokens pass viewer checks."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.has_role(role) or (principal.is_service and role is Role.VIEWER):
            return principal
        raise Forbidden(f"requires role {role.value}")

    check.access = (  # type: ignore[attr-defined]
        f"role {role.value} or stronger"
        + (", or any Flotilla service token" if role is Role.VIEWER else "")
    )
    return check


def require_service(*services: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency for internal endpoints: only a service token, and when `services` are named,
    only theirs."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.is_service:
            raise Forbidden("internal endpoint: requires a service token")
        if services and principal.subject not in services:
            raise Forbidden(f"internal endpoint: not for service {principal.subject!r}")
        return principal

    check.access = "a service token" + (  # type: ignore[attr-defined]
        f" of {', '.join(services)}" if services else ""
    )
    return check


Viewer = Annotated[Principal, Depends(require_role(Role.VIEWER))]
Developer = Annotated[Principal, Depends(require_role(Role.DEVELOPER))]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
ServiceCaller = Annotated[Principal, Depends(require_service())]


def access_of(call: object) -> str | None:
    """What a dependency requires of the caller, for the OpenAPI documents (or None)."""
    access = getattr(call, "access", None)
    return access if isinstance(access, str) else None
