"""Secrets at rest (cluster-registry's cluster credentials, monitor-gateway's notification
secrets): AES-256-GCM with a key id, so keys can be rotated.

The first configured key encrypts; every configured key decrypts. The caller's `context` (a
cluster's name, a subscription's id) is the associated data, so a ciphertext moved to another
row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class CredentialKeyError(ValueError):
    pass


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes  # nonce || ciphertext+tag


class CredentialCipher:
    def __init__(self, spec: str) -> None:
        self._keys: dict[str, AESGCM] = {}
        self.active: str = ""
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            key_id, _, encoded = part.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise CredentialKeyError(f"credential key {key_id!r} is not base64") from exc
            if len(key) != 32:
                raise CredentialKeyError(f"credential key {key_id!r} must be 32 bytes")
            self._keys[key_id] = AESGCM(key)
            self.active = self.active or key_id
        if not self._keys:
            raise CredentialKeyError("no credential keys configured")

    def seal(self, plaintext: bytes, *, context: str) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = nonce + self._keys[self.active].encrypt(nonce, plaintext, context.encode())
        return Sealed(self.active, blob)

    def open(self, sealed: Sealed, *, context: str) -> bytes:
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise CredentialKeyError(f"credential key {sealed.key_id!r} is not configured")
        nonce, body = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
        try:
            return key.decrypt(nonce, body, context.encode())
        except InvalidTag as exc:
            raise CredentialKeyError("credentials do not decrypt with their key") from exc
