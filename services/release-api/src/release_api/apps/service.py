"""Applications: create, read, update (If-Match), archive; access by team."""

from __future__ import annotations

from datetime import UTC, datetime

from kubernetes_asyncio.client.exceptions import ApiException
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_contracts.enums import AppType, Stage
from flotilla_contracts.events import AppScaledV1
from flotilla_runtime.auth import Principal
from flotilla_runtime.errors import (
    Conflict,
    DependencyFailed,
    Forbidden,
    NotFound,
    PreconditionFailed,
)
from flotilla_runtime.outbox import add_event
from release_api import kubeops
from release_api.apps.repository import AppRepository
from release_api.apps.schemas import AppCreate, AppOut, AppSpec, AppUpdate, build_spec
from release_api.clients import Clusters, Placement
from release_api.errors import InvalidSpec
from release_api.manifests.render import object_name
from release_api.models import App, AppHost
from release_api.releases import cdevents
from release_api.releases.events import SOURCE


def etag(app: App) -> str:
    return f'W/"{app.version}"'


def render(app: App) -> AppOut:
    return AppOut(
        name=app.name,
        team=app.team,
        type=AppType(app.type),
        spec=AppSpec.model_validate(app.spec),
        version=app.version,
        archived=app.archived,
        created_at=app.created_at,
        updated_at=app.updated_at,
    )


def field_error(field: str, message: str, type_: str = "value_error") -> dict[str, str]:
    """One of a problem's `errors`, in the shape of a request validation error (`loc` from
    `body`, `msg`, `type`), so clients read both the same way."""
    return {"loc": f"body.{field}" if field else "body", "msg": message, "type": type_}


def _spec(app_type: str, data: AppCreate | AppUpdate, base: AppSpec | None, *, app: str) -> AppSpec:
    try:
        spec = build_spec(AppType(app_type), data, base)
    except ValidationError as exc:
        raise InvalidSpec(
            "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}" for e in exc.errors()
            ),
            errors=[
                field_error(".".join(str(p) for p in e["loc"]), e["msg"], e["type"])
                for e in exc.errors()
            ],
        ) from None
    except ValueError as exc:
        raise InvalidSpec(str(exc)) from None
    check_config_refs(app, spec)
    return spec


def check_config_refs(app: str, spec: AppSpec) -> None:
    """Every team's apps share an environment's namespace, so a ConfigMap or Secret is an
    app's when its name is the app's or starts with `<app>-`; naming another's is refused
    (its keys would become this app's environment variables)."""
    errors = [
        field_error(
            f"config_refs.{i}.name",
            f"{ref.name!r} is not {app!r}'s: name it {app} or {app}-<anything>",
        )
        for i, ref in enumerate(spec.config_refs)
        if ref.name != app and not ref.name.startswith(f"{app}-")
    ]
    if errors:
        raise InvalidSpec("; ".join(e["msg"] for e in errors), errors=errors)


async def claim_hosts(session: AsyncSession, app: str, spec: AppSpec) -> None:
    """Make the spec's hostnames this app's: refused, naming the field, when another app has
    one (the table's primary key settles two requests claiming the same hostname at once)."""
    wanted = {host: env for env, hosts in spec.hosts.items() for host in hosts}
    taken = await AppRepository(session).hosts_held_by_others(list(wanted), app)
    errors = [
        field_error(
            f"hosts.{wanted[row.host]}", f"{row.host!r} is routed to {row.app} ({row.env}) already"
        )
        for row in taken
    ]
    if errors:
        raise InvalidSpec("; ".join(f"{e['loc']}: {e['msg']}" for e in errors), errors=errors)
    await AppRepository(session).free_hosts(app)
    session.add_all(AppHost(host=host, app=app, env=env) for host, env in wanted.items())
    try:
        await session.flush()
    except IntegrityError:
        raise InvalidSpec(
            "a hostname of this spec was claimed by another app at the same moment; retry",
            errors=[field_error("hosts", "claimed concurrently by another app")],
        ) from None


async def get(session: AsyncSession, name: str, *, for_update: bool = False) -> App:
    app = await AppRepository(session).find(name, for_update=for_update)
    if app is None:
        raise NotFound(f"no application named {name!r}")
    return app


def check_access(principal: Principal, app: App) -> None:
    """Developers act on their own teams' apps; admins on all. A service token acts on none."""
    if principal.may_act_for_team(app.team):
        return
    raise Forbidden(f"{principal.subject} may not change {app.name} (team {app.team})")


async def create(session: AsyncSession, principal: Principal, data: AppCreate) -> App:
    if not principal.may_act_for_team(data.team):
        raise Forbidden(f"{principal.subject} is not in team {data.team}")
    if await session.get(App, data.name) is not None:
        raise Conflict(f"an application named {data.name!r} exists already")
    spec = _spec(data.type, data, None, app=data.name)
    app = App(
        name=data.name,
        team=data.team,
        type=data.type.value,
        spec=spec.model_dump(mode="json"),
        version=1,
    )
    session.add(app)
    await session.flush()
    await claim_hosts(session, app.name, spec)
    await session.refresh(app)
    return app


async def update(
    session: AsyncSession, principal: Principal, name: str, data: AppUpdate, if_match: str | None
) -> tuple[App, AppSpec]:
    app = await get(session, name, for_update=True)
    check_access(principal, app)
    if app.archived:
        raise Conflict(f"{name} is archived")
    before = AppSpec.model_validate(app.spec)
    spec = _spec(app.type, data, before, app=name)  # a bad body is a 422 before any 412
    if if_match is not None and if_match.strip() not in (etag(app), f'"{app.version}"'):
        raise PreconditionFailed(
            f"{name} changed since you read it (now {etag(app)})", current=etag(app)
        )
    if data.team is not None:
        if not principal.may_act_for_team(data.team):
            raise Forbidden(f"{principal.subject} cannot hand {name} to team {data.team}")
        app.team = data.team
    app.spec = spec.model_dump(mode="json")
    app.version += 1
    app.updated_at = datetime.now(UTC)
    await session.flush()
    if spec.hosts != before.hosts:
        await claim_hosts(session, name, spec)
    return app, before


async def archive(session: AsyncSession, principal: Principal, name: str) -> App:
    app = await get(session, name, for_update=True)
    check_access(principal, app)
    was = app.archived
    app.archived = True
    app.version += 1
    app.updated_at = datetime.now(UTC)
    await AppRepository(session).free_hosts(name)
    await session.flush()
    if not was:
        await cdevents.on_archive(session, name)
    return app


async def scale(
    session: AsyncSession,
    clusters: Clusters,
    record: App,
    placements: list[Placement],
    *,
    env: str,
    replicas: int,
    every_cluster: bool,
    by: str,
) -> dict[str, str]:
    """Scale the app's stable Deployment in each placement: cluster → "ok" or the error. The
    env's replicas in the spec change only when every cluster was asked; 502 when none could."""
    results: dict[str, str] = {}
    for placement in placements:
        try:
            api = await clusters.api(placement.cluster)
            await kubeops.scale(
                api, placement.namespace, object_name(record.name, Stage.STABLE), replicas
            )
            results[placement.cluster] = "ok"
        except ApiException as exc:
            results[placement.cluster] = f"Kubernetes API {exc.status}: {exc.reason}"
    if not any(r == "ok" for r in results.values()):
        raise DependencyFailed(f"no cluster could be scaled: {results}")
    if every_cluster:
        spec = dict(record.spec)
        spec["replicas"] = {**(spec.get("replicas") or {}), env: replicas}
        record.spec = spec
        record.version += 1
    await add_event(
        session,
        AppScaledV1(
            app=record.name,
            env=env,
            replicas=replicas,
            clusters=tuple(c for c, r in results.items() if r == "ok"),
            by=by,
        ),
        source=SOURCE,
        key=record.name,
    )
    return results
