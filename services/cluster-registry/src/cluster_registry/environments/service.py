"""Environments map to clusters + namespaces; mapping creates the namespace in the cluster."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cluster_registry.clusters import service as clusters
from cluster_registry.environments.repository import EnvironmentRepository
from cluster_registry.environments.schemas import EnvironmentCreate, EnvironmentOut, Placement
from cluster_registry.errors import (
    EnvironmentExists,
    EnvironmentNotFound,
    PolicyUnfit,
    StaleRevision,
)
from cluster_registry.kubeops import connected, ensure_namespace
from cluster_registry.models import Cluster, Environment, EnvironmentCluster
from flotilla_contracts import labels, plans
from flotilla_contracts.cdevents import EnvironmentChange, environment_event
from flotilla_contracts.events import EnvironmentChangedV1
from flotilla_contracts.plans import PlanCluster
from flotilla_contracts.policy import EnvironmentPolicy
from flotilla_runtime import freeze
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.outbox import add_cdevent, add_event


async def _placements(session: AsyncSession, env: str) -> dict[str, str]:
    return await EnvironmentRepository(session).placements(env)


def policy_of(env: Environment) -> EnvironmentPolicy:
    return EnvironmentPolicy.model_validate(env.policy or {})


def etag(env: Environment) -> str:
    return f'W/"{env.revision}"'


async def render(session: AsyncSession, env: Environment) -> EnvironmentOut:
    placements = await _placements(session, env.name)
    return EnvironmentOut(
        name=env.name,
        description=env.description,
        created_at=env.created_at,
        clusters=[Placement(cluster=c, namespace=n) for c, n in placements.items()],
        policy=policy_of(env),
        revision=env.revision,
    )


async def get(session: AsyncSession, name: str) -> Environment:
    env = await session.get(Environment, name)
    if env is None:
        raise EnvironmentNotFound(f"no environment named {name!r}")
    return env


async def _ensure_namespace(
    session: AsyncSession,
    cipher: CredentialCipher,
    env: str,
    placement: Placement,
    policy: EnvironmentPolicy,
) -> Cluster:
    """The namespace exists in the cluster with Flotilla's labels and the policy's Pod Security
    level (an unreachable cluster is a 503: nothing is recorded)."""
    cluster = await clusters.get(session, placement.cluster)
    namespace_labels = {
        labels.MANAGED_BY: labels.MANAGED_BY_VALUE,
        labels.ENV: env,
        labels.CLUSTER: cluster.name,
        labels.IDC: cluster.idc,
        **labels.pod_security(policy.pod_security.value),
    }
    async with connected(clusters.unseal(cipher, cluster)) as api:
        await ensure_namespace(api, placement.namespace, namespace_labels)
    return cluster


async def _place(
    session: AsyncSession,
    cipher: CredentialCipher,
    env: str,
    placement: Placement,
    policy: EnvironmentPolicy,
) -> None:
    cluster = await _ensure_namespace(session, cipher, env, placement, policy)
    await EnvironmentRepository(session).unplace(env, cluster.id)
    session.add(
        EnvironmentCluster(environment=env, cluster_id=cluster.id, namespace=placement.namespace)
    )
    await session.flush()


async def _changed(session: AsyncSession, env: Environment, action: str) -> None:
    await add_event(
        session,
        EnvironmentChangedV1(
            environment=env.name,
            action=action,
            clusters=await _placements(session, env.name),
            policy=policy_of(env),
        ),
        source=clusters.SOURCE,
        key=env.name,
        subject=env.name,
    )
    await _cdevent(session, env.name, "created" if action == "created" else "modified")


async def _cdevent(session: AsyncSession, env: str, change: EnvironmentChange) -> None:
    """The CDEvent of the change (created; mapped, unmapped or a new policy: modified;
    deleted), when this service publishes them (CDEVENTS_TOPIC)."""
    event = environment_event(
        change, env=env, event_id=str(uuid.uuid4()), source=clusters.SOURCE, at=datetime.now(UTC)
    )
    await add_cdevent(session, event, key=env)


async def create(
    session: AsyncSession, cipher: CredentialCipher, data: EnvironmentCreate
) -> Environment:
    if await session.get(Environment, data.name) is not None:
        raise EnvironmentExists(f"environment {data.name!r} exists already")
    env = Environment(
        name=data.name, description=data.description, policy=data.policy.model_dump(mode="json")
    )
    session.add(env)
    try:
        await session.flush()
    except IntegrityError:
        raise EnvironmentExists(f"environment {data.name!r} exists already") from None
    for placement in data.clusters:
        await _place(session, cipher, data.name, placement, data.policy)
    await check_policy(session, data.policy, data.name)
    await _changed(session, env, "created")
    return env


async def place(
    session: AsyncSession, cipher: CredentialCipher, env: str, cluster: str, namespace: str
) -> Environment:
    environment = await get(session, env)
    placement = Placement(cluster=cluster, namespace=namespace)
    await _place(session, cipher, env, placement, policy_of(environment))
    await _changed(session, environment, "mapped")
    return environment


async def unplace(session: AsyncSession, env: str, cluster: str) -> None:
    environment = await get(session, env)
    target = await clusters.get(session, cluster)
    await EnvironmentRepository(session).unplace(env, target.id)
    await _changed(session, environment, "unmapped")


async def check_policy(session: AsyncSession, policy: EnvironmentPolicy, env: str) -> None:
    """422 naming the field when a freeze window cannot be evaluated or the default plan does
    not fit the environment's clusters as they are mapped now (release-api resolves the plan
    again for every release, against the clusters mapped then)."""
    for index, window in enumerate(policy.freeze_windows):
        if (why := freeze.problem(window)) is not None:
            raise PolicyUnfit(f"freeze_windows[{index}] ({window.name}): {why}")
    if policy.default_plan is not None:
        fleet = [
            PlanCluster(cluster.name, cluster.idc, cluster.labels or {})
            for cluster in await EnvironmentRepository(session).clusters_of(env)
        ]
        try:
            plans.resolve(policy.default_plan, fleet)
        except plans.PlanError as exc:
            where = "default_plan." if str(exc).startswith("waves[") else "default_plan: "
            raise PolicyUnfit(f"{where}{exc}") from None


async def set_policy(
    session: AsyncSession,
    cipher: CredentialCipher,
    name: str,
    policy: EnvironmentPolicy,
    if_match: str | None,
) -> Environment:
    """Replace the environment's policy (a new revision); 412 when If-Match names another.
    A new Pod Security level is written onto every namespace first (a cluster that cannot be
    reached is a 503 and the policy stays as it was)."""
    env = await EnvironmentRepository(session).find_for_update(name)
    if env is None:
        raise EnvironmentNotFound(f"no environment named {name!r}")
    if if_match is not None and if_match.strip() not in (etag(env), f'"{env.revision}"'):
        raise StaleRevision(f"environment {name!r} is at revision {env.revision}")
    await check_policy(session, policy, name)
    if policy.pod_security != policy_of(env).pod_security:
        for cluster, namespace in (await _placements(session, name)).items():
            placement = Placement(cluster=cluster, namespace=namespace)
            await _ensure_namespace(session, cipher, name, placement, policy)
    env.policy = policy.model_dump(mode="json")
    env.revision += 1
    await session.flush()
    await _changed(session, env, "policy")
    return env


async def remove(session: AsyncSession, name: str) -> None:
    env = await get(session, name)
    await session.delete(env)
    await session.flush()
    await add_event(
        session,
        EnvironmentChangedV1(environment=name, action="deleted", clusters={}),
        source=clusters.SOURCE,
        key=name,
        subject=name,
    )
    await _cdevent(session, name, "deleted")
