"""The rules of flotilla_runtime.auth one by one, without HTTP (what mutation testing found
unpinned: `./flotilla mutate auth`); the endpoints' side is test_auth.py."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
from pydantic import ValidationError

from flotilla_contracts.enums import Role
from flotilla_runtime.auth import (
    Authenticator,
    Principal,
    access_of,
    bearer_token,
    mint_token,
    reader_or_none,
    require_role,
    require_service,
)
from flotilla_runtime.errors import Forbidden, Unauthenticated
from flotilla_runtime.settings import AuthSettings

SETTINGS = AuthSettings()


def signed(**claims: object) -> str:
    now = int(time.time())
    body = {
        "sub": "ada",
        "iss": SETTINGS.auth_issuer,
        "aud": SETTINGS.auth_audience,
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(body, SETTINGS.auth_jwt_secret.get_secret_value(), algorithm="HS256")


def test_roles_rank_viewer_developer_admin() -> None:
    held = {
        role: {r for r in Role if Principal(subject="x", roles=frozenset({role})).has_role(r)}
        for role in Role
    }
    assert held == {
        Role.VIEWER: {Role.VIEWER},
        Role.DEVELOPER: {Role.VIEWER, Role.DEVELOPER},
        Role.ADMIN: {Role.VIEWER, Role.DEVELOPER, Role.ADMIN},
    }
    assert not Principal(subject="x").has_role(Role.VIEWER)


def test_a_principal_is_a_service_or_a_person_and_cannot_be_changed() -> None:
    assert Principal(subject="k8s-sync", kind="service").is_service
    assert not Principal(subject="ada").is_service
    with pytest.raises(ValidationError):
        Principal(subject="ada").subject = "eve"  # type: ignore[misc]


def test_the_two_audiences_must_differ() -> None:
    same = "".join(["flotilla", "-x"])  # equal, not the same object
    with pytest.raises(ValueError, match="must differ"):
        Authenticator(AuthSettings(auth_audience=same, auth_service_audience="flotilla-x"))
    Authenticator(AuthSettings(auth_audience="zz", auth_service_audience="aa"))  # either order
    Authenticator(AuthSettings(auth_audience="aa", auth_service_audience="zz"))


async def test_expiry_leeway_is_30_seconds() -> None:
    auth = Authenticator(SETTINGS)
    if time.time() % 1 > 0.8:  # expiries are whole seconds: not near a second's end
        await asyncio.sleep(0.25)
    now = int(time.time())
    assert (await auth.authenticate(signed(exp=now - 29))).subject == "ada"
    with pytest.raises(Unauthenticated, match="expired"):
        await auth.authenticate(signed(exp=now - 30, sub="late"))


async def test_verified_tokens_are_remembered_until_they_expire() -> None:
    auth = Authenticator(SETTINGS)
    calls: list[str] = []
    verify = auth._verify

    async def counting(token: str) -> tuple[Principal, float]:
        calls.append(token)
        return await verify(token)

    auth._verify = counting  # type: ignore[method-assign]
    token = signed()
    assert (await auth.authenticate(token)).subject == "ada"
    assert (await auth.authenticate(token)).subject == "ada"
    assert calls == [token]  # verified once
    principal, _ = auth._verified[token]
    auth._verified[token] = (principal, time.time() - 1)  # its expiry passed
    await auth.authenticate(token)
    assert calls == [token, token]  # verified again


async def test_the_cache_keeps_the_most_recently_used_tokens() -> None:
    auth = Authenticator(SETTINGS)
    auth.CACHE_SIZE = 2
    first, second, third = (signed(sub=s) for s in ("a", "b", "c"))
    await auth.authenticate(first)
    await auth.authenticate(second)
    await auth.authenticate(first)  # used again: now the most recent
    await auth.authenticate(third)
    assert list(auth._verified) == [first, third]  # the least recently used went


async def test_bad_claims_are_401_not_500() -> None:
    auth = Authenticator(SETTINGS)
    for claims in ({"roles": ["emperor"]}, {"roles": 5}, {"teams": 5}):
        with pytest.raises(Unauthenticated, match="invalid claims"):
            await auth.authenticate(signed(**claims))


def test_minted_tokens_live_for_their_ttl() -> None:
    def lifetime(token: str) -> int:
        claims = jwt.decode(token, options={"verify_signature": False})
        return int(claims["exp"]) - int(claims["iat"])

    assert lifetime(mint_token(SETTINGS, subject="ada")) == 3600
    assert lifetime(mint_token(SETTINGS, subject="ada", ttl_s=60)) == 60


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    for header in ("Basic abc", "Token abc", "Bearer", "Bearer   ", "", "abc"):
        assert bearer_token(header) is None, header


async def test_reader_or_none_never_raises() -> None:
    auth = Authenticator(SETTINGS)
    viewer = mint_token(SETTINGS, subject="vic", roles=[Role.VIEWER])
    service = mint_token(SETTINGS, subject="k8s-sync", service=True)
    nobody = mint_token(SETTINGS, subject="nora")  # no role at all
    assert await reader_or_none(None, f"Bearer {viewer}") is None
    assert await reader_or_none(auth, "") is None
    assert await reader_or_none(auth, "Bearer not-a-jwt") is None
    assert await reader_or_none(auth, f"Bearer {nobody}") is None
    seen = await reader_or_none(auth, f"Bearer {viewer}")
    assert seen is not None
    assert seen.subject == "vic"
    machine = await reader_or_none(auth, f"Bearer {service}")
    assert machine is not None
    assert machine.is_service


async def test_a_service_token_passes_viewer_checks_only() -> None:
    service = Principal(subject="k8s-sync", kind="service")
    assert await require_role(Role.VIEWER)(service) is service
    for role in (Role.DEVELOPER, Role.ADMIN):
        with pytest.raises(Forbidden):
            await require_role(role)(service)


def test_the_access_each_role_check_documents() -> None:
    assert getattr(require_role(Role.VIEWER), "access", None) == (
        "role viewer or stronger, or any Flotilla service token"
    )
    assert getattr(require_role(Role.DEVELOPER), "access", None) == "role developer or stronger"
    assert getattr(require_role(Role.ADMIN), "access", None) == "role admin or stronger"


def test_the_access_each_service_check_documents() -> None:
    assert access_of(require_service()) == "a service token"
    assert access_of(require_service("k8s-sync", "release-api")) == (
        "a service token of k8s-sync, release-api"
    )
    assert access_of(require_role(Role.ADMIN)) == "role admin or stronger"
    assert access_of(object()) is None  # a dependency that says nothing
