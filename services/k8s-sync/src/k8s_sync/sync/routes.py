"""Routes: which (app, env) the ingress serves, and by which hostnames. Pure functions, no I/O.

The route table comes from the platform's own objects, the way an ingress controller reads
Ingress objects: every Service Flotilla creates carries the labels `flotilla.io/app`,
`flotilla.io/env` and `flotilla.io/stage`, and, when the app declares hostnames for that
environment, the annotation `flotilla.io/hosts` (comma-separated; release-api writes it from the
app's spec). k8s-sync watches those Services in every cluster, so an (app, env) has a route from
its first release on — no file to edit, no second source of truth to keep in step, and nothing
lost while release-api is down.

For each (app, env), backend `<app>.<env>`:
- hostnames: the environment's domain template (`{app}.{env}.apps.example.com`, settings) plus
  the union of the hostnames its Services declare in every cluster (a cluster still running the
  old spec keeps its hostnames routed until it is released too);
- a gray twin `<app>.<env>:gray` while any cluster runs a gray stage, so that a request with
  `x-flotilla-stage: gray` reaches the gray pods on purpose while the weights split the rest.

Second line of defence behind release-api's validation (anyone who can write a Service in a
cluster can write these labels): app and env must be DNS labels, hostnames must pass
`flotilla_contracts.hostnames`; a hostname two backends claim stays with the one that had it
(its template host always belongs to its own backend); everything refused is kept in `errors`
and shown by the status API — never written into the configuration, never able to take another
app's route down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flotilla_contracts import labels
from flotilla_contracts.hostnames import hostname_problem
from flotilla_contracts.names import is_name

GRAY_SUFFIX = ":gray"
MAX_HOSTS_PER_SERVICE = 32


@dataclass(frozen=True, slots=True)
class ServiceRoute:
    """What one Service says about its (app, env): its stage and the hostnames it declares."""

    app: str
    env: str
    stage: str
    hosts: tuple[str, ...] = ()

    @property
    def backend(self) -> str:
        return f"{self.app}.{self.env}"


@dataclass(frozen=True, slots=True)
class Route:
    app: str
    env: str
    hosts: tuple[str, ...]  # routed hostnames, sorted (template first is not implied)
    gray: bool  # a gray stage runs somewhere: the twin backend exists

    @property
    def backend(self) -> str:
        return f"{self.app}.{self.env}"

    @property
    def twin(self) -> str:
        return self.backend + GRAY_SUFFIX


@dataclass
class RouteTable:
    routes: dict[str, Route] = field(default_factory=dict)  # backend → route
    hosts: dict[str, str] = field(default_factory=dict)  # hostname → backend
    errors: dict[str, list[str]] = field(default_factory=dict)  # backend → what was refused

    def backends(self) -> set[str]:
        """Every backend the configuration must hold: one per route, plus the gray twins."""
        names = set(self.routes)
        names |= {r.twin for r in self.routes.values() if r.gray}
        return names

    def header_values(self) -> dict[str, str]:
        """`x-flotilla-app` value → backend (the header names `<app>.<env>`)."""
        return {name: name for name in self.routes}


class DomainTemplates:
    """Per-environment hostname templates: `{"*": "{app}.{env}.apps.example.com",
    "prod": "{app}.example.com"}`; `*` applies to environments not named."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        for env, template in templates.items():
            problem = template_problem(template)
            if problem:
                raise ValueError(f"domain template for {env!r}: {problem}")
        self.templates = dict(templates)

    def host(self, app: str, env: str) -> str | None:
        template = self.templates.get(env, self.templates.get("*"))
        return template.format(app=app, env=env) if template else None


def template_problem(template: str) -> str | None:
    """Why a domain template cannot work, or None."""
    if "{app}" not in template:
        return "must contain {app}"
    try:
        sample = template.format(app="app", env="env")
    except (KeyError, IndexError, ValueError):
        return "only {app} and {env} may be used"
    problem = hostname_problem(sample)
    return f"gives {sample!r}, which {problem}" if problem else None


def route_of_service(service: Mapping[str, Any]) -> ServiceRoute | None:
    """One Flotilla Service → its contribution to the route table (others: None). Hostnames
    are split but not judged here: `build_routes` reports the ones it refuses."""
    meta = service.get("metadata") or {}
    meta_labels = meta.get("labels") or {}
    app, env = meta_labels.get(labels.APP), meta_labels.get(labels.ENV)
    if not app or not env:
        return None
    raw = (meta.get("annotations") or {}).get(labels.HOSTS) or ""
    hosts = tuple(h.strip() for h in raw.split(",") if h.strip())
    return ServiceRoute(app, env, meta_labels.get(labels.STAGE, "stable"), hosts)


def build_routes(
    services: Iterable[ServiceRoute],
    templates: DomainTemplates,
    *,
    owners: Mapping[str, str] | None = None,
) -> RouteTable:
    """The route table from every Service seen (all clusters). `owners` is the previous
    table's hostname → backend, so that a hostname stays where it was when another claims it."""
    owners = owners or {}
    table = RouteTable()
    declared: dict[str, set[str]] = {}
    gray: set[str] = set()
    apps: dict[str, tuple[str, str]] = {}
    for s in services:
        backend = s.backend
        if not (is_name(s.app) and is_name(s.env)):
            table.errors.setdefault(backend, []).append(
                "app and env must be DNS labels (a-z, 0-9, inner '-', at most 63 characters)"
            )
            continue
        apps[backend] = (s.app, s.env)
        declared.setdefault(backend, set())
        for host in s.hosts[:MAX_HOSTS_PER_SERVICE]:
            problem = hostname_problem(host)
            if problem:
                table.errors.setdefault(backend, []).append(f"hostname {host[:80]!r} {problem}")
            else:
                declared[backend].add(host)
        if len(s.hosts) > MAX_HOSTS_PER_SERVICE:
            table.errors.setdefault(backend, []).append(
                f"at most {MAX_HOSTS_PER_SERVICE} hostnames per Service; the rest are ignored"
            )
        if s.stage == "gray":
            gray.add(backend)

    # Template hostnames first: each belongs to its own backend, whoever else declares it.
    claims: dict[str, list[str]] = {}
    for backend, (app, env) in sorted(apps.items()):
        template_host = templates.host(app, env)
        if template_host is None:
            continue
        problem = hostname_problem(template_host)
        if problem:
            table.errors.setdefault(backend, []).append(
                f"domain template gives {template_host[:80]!r}, which {problem}"
            )
            continue
        table.hosts[template_host] = backend
    for backend, hosts in sorted(declared.items()):
        for host in sorted(hosts):
            claims.setdefault(host, []).append(backend)
    for host, claimants in sorted(claims.items()):
        owner = table.hosts.get(host)
        if owner is None:
            previous = owners.get(host)
            owner = previous if previous in claimants else claimants[0]
            table.hosts[host] = owner
        for backend in claimants:
            if backend != owner:
                table.errors.setdefault(backend, []).append(
                    f"hostname {host!r} is routed to {owner} already"
                )

    by_backend: dict[str, list[str]] = {}
    for host, backend in table.hosts.items():
        by_backend.setdefault(backend, []).append(host)
    for backend, (app, env) in sorted(apps.items()):
        table.routes[backend] = Route(
            app, env, tuple(sorted(by_backend.get(backend, []))), backend in gray
        )
    return table
