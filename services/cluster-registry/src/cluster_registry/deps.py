"""Dependencies of cluster-registry's endpoints, read from request state."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.settings import Settings
from flotilla_runtime.auth import CurrentPrincipal, Principal
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.errors import Forbidden


def get_cipher(request: Request) -> CredentialCipher:
    return cast(CredentialCipher, request.state.cipher)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.state.settings)


def get_targets(request: Request) -> TargetPolicy:
    return cast(TargetPolicy, request.state.targets)


async def connection_reader(principal: CurrentPrincipal, request: Request) -> Principal:
    """Only the services that connect to clusters read their decrypted credentials."""
    readers = get_settings(request).connection_readers
    if not principal.is_service:
        raise Forbidden("internal endpoint: requires a service token")
    if principal.subject not in readers:
        raise Forbidden(f"service {principal.subject!r} may not read cluster credentials")
    return principal


connection_reader.access = "a service token of a service in CONNECTION_READERS"  # type: ignore[attr-defined]


CipherDep = Annotated[CredentialCipher, Depends(get_cipher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TargetsDep = Annotated[TargetPolicy, Depends(get_targets)]
ConnectionReader = Annotated[Principal, Depends(connection_reader)]
