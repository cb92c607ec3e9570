"""Bearer-token authentication (PyJWT) and role checks.

Tokens carry `sub`, `roles` (viewer < developer < admin), `teams`, and `kind` (`user` or
`service`). Development and tests sign with an HS256 secret from settings; production verifies
RS256/ES256 tokens against a JWKS URL. Services call each other with a `service` token.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from flotilla_contracts.enums import Role
from flotilla_runtime.errors import Forbidden, Unauthenticated
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
                    audience=self._settings.auth_audience,
                    issuer=self._settings.auth_issuer,
                    leeway=_LEEWAY_S,
                    options={"require": ["exp", "sub"]},
                )
            else:
                claims = jwt.decode(
                    token,
                    self._settings.auth_jwt_secret.get_secret_value(),
                    algorithms=["HS256"],
                    audience=self._settings.auth_audience,
                    issuer=self._settings.auth_issuer,
                    leeway=_LEEWAY_S,
                    options={"require": ["exp", "sub"]},
                )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("token expired") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise Unauthenticated(f"invalid token: {exc}") from exc
        try:
            principal = Principal(
                subject=str(claims["sub"]),
                roles=frozenset(Role(r) for r in claims.get("roles", [])),
                teams=frozenset(str(t) for t in claims.get("teams", [])),
                kind="service" if claims.get("kind") == "service" else "user",
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
    """Sign an HS256 token with the development secret (tests and `flotilla-token`)."""
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": sorted(str(r) for r in roles),
        "teams": sorted(teams),
        "kind": "service" if service else "user",
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, settings.auth_jwt_secret.get_secret_value(), algorithm="HS256")


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("missing bearer token")
    authenticator: Authenticator = request.state.authenticator
    return await authenticator.authenticate(token.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Dependency: the caller must hold `role` or stronger. Service tokens pass viewer checks."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.has_role(role) or (principal.is_service and role is Role.VIEWER):
            return principal
        raise Forbidden(f"requires role {role.value}")

    return check


async def require_service(principal: CurrentPrincipal) -> Principal:
    """Dependency for internal endpoints: only another Flotilla service may call."""
    if not principal.is_service:
        raise Forbidden("internal endpoint: requires a service token")
    return principal


Viewer = Annotated[Principal, Depends(require_role(Role.VIEWER))]
Developer = Annotated[Principal, Depends(require_role(Role.DEVELOPER))]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
ServiceCaller = Annotated[Principal, Depends(require_service)]
