"""Clusters: register (verified against the cluster), update, rotate credentials, deregister."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cluster_registry.clusters.repository import ClusterRepository
from cluster_registry.clusters.schemas import (
    ClusterCreate,
    ClusterOut,
    ClusterUpdate,
    Credentials,
    EnvironmentRef,
    KubeconfigCredentials,
)
from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.errors import (
    ClusterExists,
    ClusterInUse,
    ClusterNotFound,
    InvalidCredentials,
    StaleRevision,
)
from cluster_registry.kubeops import Probe, probe
from cluster_registry.models import Cluster
from flotilla_contracts import ClusterConnection
from flotilla_contracts.enums import ClusterProvider, ClusterStatus
from flotilla_contracts.events import (
    ClusterDeregisteredV1,
    ClusterRegisteredV1,
    ClusterUpdatedV1,
    NodeChangedV1,
)
from flotilla_runtime.crypto import CredentialCipher, Sealed
from flotilla_runtime.kubeconfig import (
    KubeconfigError,
    check_server,
    parse_kubeconfig,
    server_of,
    with_server,
)
from flotilla_runtime.outbox import add_event

SOURCE = "/flotilla/cluster-registry"


def connection_for(
    name: str, idc: str, api_server: str | None, credentials: Credentials
) -> ClusterConnection:
    """A connection from what a user sent, checked for shape (not yet against the cluster).
    A kubeconfig is kept reduced to its current context and inline credentials
    (flotilla_runtime.kubeconfig); `api_server`, when given, is the address used."""
    try:
        if isinstance(credentials, KubeconfigCredentials):
            doc = parse_kubeconfig(credentials.kubeconfig.get_secret_value())
            server = check_server(api_server or server_of(doc), "api_server")
            return ClusterConnection(
                cluster=name,
                idc=idc,
                api_server=server,
                kubeconfig=yaml.safe_dump(with_server(doc, server), sort_keys=False),
            )
        if not api_server:
            raise InvalidCredentials("api_server is required with token credentials")
        check_server(api_server, "api_server")
    except KubeconfigError as exc:
        raise InvalidCredentials(f"kubeconfig refused: {exc}", field=exc.field) from None
    return ClusterConnection(
        cluster=name,
        idc=idc,
        api_server=api_server,
        token=credentials.token.get_secret_value(),
        ca_data=credentials.ca_data,
    )


def seal(cipher: CredentialCipher, connection: ClusterConnection) -> Sealed:
    secret = {
        "kubeconfig": connection.kubeconfig,
        "token": connection.token,
        "ca_data": connection.ca_data,
    }
    return cipher.seal(json.dumps(secret).encode(), context=connection.cluster)


def unseal(cipher: CredentialCipher, cluster: Cluster) -> ClusterConnection:
    secret = json.loads(
        cipher.open(Sealed(cluster.credentials_key_id, cluster.credentials), context=cluster.name)
    )
    return ClusterConnection(
        cluster=cluster.name, idc=cluster.idc, api_server=cluster.api_server, **secret
    )


def status_of(result: Probe) -> tuple[ClusterStatus, str | None]:
    not_ready = [n.name for n in result.nodes if not n.ready]
    if not result.nodes:
        return ClusterStatus.DEGRADED, "no nodes"
    if not_ready:
        return ClusterStatus.DEGRADED, f"nodes not ready: {', '.join(sorted(not_ready)[:10])}"
    return ClusterStatus.READY, None


async def register(
    session: AsyncSession,
    cipher: CredentialCipher,
    data: ClusterCreate,
    *,
    timeout_s: float,
    targets: TargetPolicy,
) -> Cluster:
    repo = ClusterRepository(session)
    if await repo.by_name(data.name) is not None:
        raise ClusterExists(f"cluster {data.name!r} is registered already")
    connection = connection_for(data.name, data.idc, data.api_server, data.credentials)
    # raises: nothing is stored
    result = await probe(connection, timeout_s=timeout_s, targets=targets)
    status, reason = status_of(result)
    sealed = seal(cipher, connection)
    cluster = Cluster(
        name=data.name,
        idc=data.idc,
        provider=data.provider.value,
        api_server=connection.api_server,
        labels=data.labels,
        credentials=sealed.blob,
        credentials_key_id=sealed.key_id,
        status=status.value,
        status_reason=reason,
        last_seen_at=datetime.now(UTC),
        latency_ms=round(result.latency_ms, 2),
        kubernetes_version=result.version,
        node_count=len(result.nodes),
    )
    session.add(cluster)
    try:
        await session.flush()
    except IntegrityError:
        raise ClusterExists(f"cluster {data.name!r} is registered already") from None
    await repo.remember_nodes(cluster.id, {n.name for n in result.nodes}, set())
    await add_event(
        session,
        ClusterRegisteredV1(
            cluster=cluster.name,
            idc=cluster.idc,
            provider=data.provider,
            api_server=cluster.api_server,
            kubernetes_version=result.version,
        ),
        source=SOURCE,
        key=cluster.name,
        subject=cluster.name,
    )
    return cluster


async def get(session: AsyncSession, name: str, *, for_update: bool = False) -> Cluster:
    cluster = await ClusterRepository(session).by_name(name, for_update=for_update)
    if cluster is None:
        raise ClusterNotFound(f"no cluster named {name!r}")
    return cluster


def check_revision(cluster: Cluster, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in (
        etag(cluster),
        f'"{cluster.revision}"',
        "*",
    ):
        raise StaleRevision(f"cluster {cluster.name!r} is at revision {cluster.revision}")


def etag(cluster: Cluster) -> str:
    return f'W/"{cluster.revision}"'


async def update(
    session: AsyncSession,
    cipher: CredentialCipher,
    name: str,
    data: ClusterUpdate,
    if_match: str | None,
    *,
    timeout_s: float,
    targets: TargetPolicy,
) -> Cluster:
    """Change what was asked. A new `api_server` is used only once the cluster answers there
    with the stored credentials: they are never sent to an address nobody verified."""
    cluster = await get(session, name, for_update=True)
    check_revision(cluster, if_match)
    if data.api_server is not None and data.api_server != cluster.api_server:
        moved = unseal(cipher, cluster).model_copy(update={"api_server": data.api_server})
        try:
            check_server(data.api_server, "api_server")
        except KubeconfigError as exc:
            raise InvalidCredentials(str(exc), field=exc.field) from None
        await probe(moved, timeout_s=timeout_s, targets=targets)
    changed = []
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        value = value.value if hasattr(value, "value") else value
        if getattr(cluster, field) != value:
            setattr(cluster, field, value)
            changed.append(field)
    if changed:
        cluster.revision += 1
        await session.flush()
        await add_event(
            session,
            ClusterUpdatedV1(cluster=name, changed=tuple(changed)),
            source=SOURCE,
            key=name,
            subject=name,
        )
    return cluster


async def rotate_credentials(
    session: AsyncSession,
    cipher: CredentialCipher,
    name: str,
    credentials: Credentials,
    *,
    timeout_s: float,
    if_match: str | None,
    targets: TargetPolicy,
) -> Cluster:
    cluster = await get(session, name, for_update=True)
    check_revision(cluster, if_match)
    connection = connection_for(
        name,
        cluster.idc,
        None if isinstance(credentials, KubeconfigCredentials) else cluster.api_server,
        credentials,
    )
    await probe(connection, timeout_s=timeout_s, targets=targets)  # the new ones must work
    sealed = seal(cipher, connection)
    cluster.credentials, cluster.credentials_key_id = sealed.blob, sealed.key_id
    cluster.api_server = connection.api_server
    cluster.revision += 1
    await session.flush()
    await add_event(
        session,
        ClusterUpdatedV1(cluster=name, changed=("credentials",), credentials_rotated=True),
        source=SOURCE,
        key=name,
        subject=name,
    )
    return cluster


async def deregister(session: AsyncSession, name: str, *, force: bool) -> None:
    cluster = await get(session, name, for_update=True)
    mapped = await ClusterRepository(session).mapping_count(cluster.id)
    if mapped and not force:
        raise ClusterInUse(
            f"{mapped} environment mapping(s) still use cluster {name!r}; "
            "remove them or pass force=true"
        )
    await session.delete(cluster)
    await session.flush()
    await add_event(
        session, ClusterDeregisteredV1(cluster=name), source=SOURCE, key=name, subject=name
    )


async def node_event(
    session: AsyncSession, cluster: str, node: str, action: str, **details: Any
) -> None:
    await add_event(
        session,
        NodeChangedV1(
            cluster=cluster,
            node=node,
            action=action,
            details={k: str(v) for k, v in details.items()},
        ),
        source=SOURCE,
        key=cluster,
        subject=f"{cluster}/{node}",
    )


async def render(session: AsyncSession, clusters: list[Cluster]) -> list[ClusterOut]:
    mappings = await ClusterRepository(session).mappings([c.id for c in clusters])
    return [
        ClusterOut(
            name=c.name,
            idc=c.idc,
            provider=ClusterProvider(c.provider),
            api_server=c.api_server,
            labels=c.labels,
            status=ClusterStatus(c.status),
            status_reason=c.status_reason,
            last_seen_at=c.last_seen_at,
            latency_ms=c.latency_ms,
            kubernetes_version=c.kubernetes_version,
            node_count=c.node_count,
            environments=[
                EnvironmentRef(environment=e, namespace=n) for e, n in mappings.get(c.id, [])
            ],
            revision=c.revision,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in clusters
    ]


def encode_cursor(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        from flotilla_runtime.errors import BadRequest

        raise BadRequest("invalid cursor") from None
