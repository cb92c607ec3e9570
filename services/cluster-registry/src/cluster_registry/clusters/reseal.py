"""`flotilla-cluster-registry reseal`: seal every stored credential with the newest key.

Key rotation (SECURITY.md): put a new key first in CREDENTIAL_KEYS, restart, run `reseal`;
once `flotilla_registry_credentials{key_id=...}` shows no row for an old key, remove it. Rows
are re-sealed in batches, each in its own transaction with the rows locked (`SKIP LOCKED`, so
a running registry and a second `reseal` are not blocked and nothing is sealed twice); a crash
leaves every row sealed with one key or the other, both still configured.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cluster_registry.clusters.repository import ClusterRepository
from flotilla_runtime.crypto import CredentialCipher, Sealed
from flotilla_runtime.db import session_scope

BATCH = 100


async def reseal(
    sessionmaker: async_sessionmaker[AsyncSession],
    cipher: CredentialCipher,
    *,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, int]:
    """Re-seal every row not sealed with the active key; the rows per key id afterwards."""
    done = 0
    while True:
        async with session_scope(sessionmaker) as session:
            rows = await ClusterRepository(session).sealed_with_other_keys(cipher.active, BATCH)
            for cluster in rows:
                plain = cipher.open(
                    Sealed(cluster.credentials_key_id, cluster.credentials), context=cluster.name
                )
                sealed = cipher.seal(plain, context=cluster.name)
                cluster.credentials, cluster.credentials_key_id = sealed.blob, sealed.key_id
        if not rows:
            break
        done += len(rows)
        progress(f"resealed {done} cluster(s) with key {cipher.active!r}")
    async with sessionmaker() as session:
        per_key = await ClusterRepository(session).rows_per_key()
    progress(f"rows per key: {per_key or '{}'}")
    return per_key


def report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
