"""Dependencies of cluster-registry's endpoints, read from request state."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from cluster_registry.crypto import CredentialCipher
from cluster_registry.settings import Settings


def get_cipher(request: Request) -> CredentialCipher:
    return cast(CredentialCipher, request.state.cipher)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.state.settings)


CipherDep = Annotated[CredentialCipher, Depends(get_cipher)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
