"""Applications: what a team declares once, and every release renders from.

Container port by type (used when `port` is not given):

| type   | port | why                                 |
|--------|------|-------------------------------------|
| java   | 8080 | Tomcat / Spring Boot default        |
| python | 8000 | gunicorn / uvicorn default          |
| node   | 3000 | Express default                     |
| go     | 8080 | net/http convention                 |
| static | 80   | nginx serving files                 |
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from flotilla_contracts import hostnames, labels
from flotilla_contracts.analysis import AnalysisTemplate
from flotilla_contracts.enums import AppType
from flotilla_contracts.hostnames import hostname_problem
from flotilla_contracts.names import NAME_MAX, NAME_PATTERN
from flotilla_runtime.kube import quantity
from flotilla_runtime.params import JSON_INTEGER, JsonInt
from release_api.apps.podrun import Lifecycle, Security

PORT_BY_TYPE: dict[AppType, int] = {
    AppType.JAVA: 8080,
    AppType.PYTHON: 8000,
    AppType.NODE: 3000,
    AppType.GO: 8080,
    AppType.STATIC: 80,
}
RUNTIME_PREFIX: dict[AppType, tuple[str, ...]] = {
    AppType.JAVA: ("java-", "openjdk-"),
    AppType.PYTHON: ("python-",),
    AppType.NODE: ("node-", "nodejs-"),
    AppType.GO: ("go-",),
    AppType.STATIC: ("nginx-", "static-"),
}
Name = Annotated[str, Field(min_length=1, max_length=40, pattern=NAME_PATTERN)]
EnvName = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)]
Strict = ConfigDict(extra="forbid")
MAX_HOSTS_PER_ENV = 16


def _hostname(value: str) -> str:
    problem = hostname_problem(value)
    if problem:
        raise ValueError(f"{value[:80]!r} {problem}")
    return value


Hostname = Annotated[
    str,
    Field(max_length=hostnames.MAX_LENGTH, json_schema_extra={"pattern": hostnames.DNS_NAME}),
    AfterValidator(_hostname),
]
HostList = Annotated[list[Hostname], Field(max_length=MAX_HOSTS_PER_ENV)]
# As a request states them: checked with the whole spec (each error names its field), and
# documented with the same constraints.
HostsIn = Annotated[
    list[str],
    WithJsonSchema(
        {
            "type": "array",
            "maxItems": MAX_HOSTS_PER_ENV,
            "items": {
                "type": "string",
                "maxLength": hostnames.MAX_LENGTH,
                "pattern": hostnames.DNS_NAME,
            },
        }
    ),
]
Replicas = Annotated[int, Field(ge=0, le=1000), JSON_INTEGER]
Port = Annotated[int, Field(ge=1, le=65535), JSON_INTEGER]


class AppYaml(BaseModel):
    """The `app.yaml` every repository carries: the build stack, runtime and how to start."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "stack": "youzanyun-centos6",
                    "runtime": "python-2.7",
                    "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application",
                }
            ]
        },
    )

    stack: str = Field(
        min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9._-]*$", description="base image"
    )
    runtime: str = Field(
        min_length=3,
        max_length=63,
        pattern=r"^[a-z][a-z0-9]*-[0-9][0-9a-z.]*$",
        description="`<language>-<version>`, e.g. python-2.7, java-17, node-20",
    )
    entrypoint: str = Field(min_length=1, max_length=1024, description="the start command")

    @field_validator("entrypoint")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\x00" in value:
            raise ValueError("entrypoint must be one line")
        return value.strip()


def app_yaml_mapping(value: Any) -> Any:
    """`app.yaml` given as its text → the mapping it holds (anything else passes through), so
    AppYaml's own errors name the field (`body.app_yaml.runtime`) whichever form was sent."""
    if not isinstance(value, str):
        return value
    try:
        data = yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ValueError(f"app.yaml is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("app.yaml must be a mapping with stack, runtime and entrypoint")
    return data


def parse_app_yaml(text: str) -> AppYaml:
    """`app.yaml` text → AppYaml; raises ValueError with a readable reason."""
    return AppYaml.model_validate(app_yaml_mapping(text))


def _or_text(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [*schema.get("anyOf", []), {"type": "string", "description": "YAML"}]


class ResourceAmounts(BaseModel):
    model_config = Strict

    cpu: str | None = Field(None, examples=["500m"], description="Kubernetes CPU quantity")
    memory: str | None = Field(None, examples=["512Mi"], description="Kubernetes memory quantity")

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            amount = quantity(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a Kubernetes quantity") from None
        if amount <= 0:
            raise ValueError("must be positive")
        return value


class Resources(BaseModel):
    model_config = Strict

    requests: ResourceAmounts = Field(default_factory=ResourceAmounts)
    limits: ResourceAmounts = Field(default_factory=ResourceAmounts)

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Self:
        for name in ("cpu", "memory"):
            req, lim = getattr(self.requests, name), getattr(self.limits, name)
            if req and lim and quantity(req) > quantity(lim):
                raise ValueError(f"{name} request {req} exceeds its limit {lim}")
        return self


class HealthCheck(BaseModel):
    model_config = Strict

    path: str = Field("/health", pattern=r"^/[^\s]*$", max_length=255)
    port: Port | None = Field(None, description="default: the container port")
    initial_delay_s: JsonInt = Field(5, ge=0, le=600)
    period_s: JsonInt = Field(5, ge=1, le=300)
    timeout_s: JsonInt = Field(2, ge=1, le=60)
    failure_threshold: JsonInt = Field(3, ge=1, le=30)


class EnvVar(BaseModel):
    model_config = Strict

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=128)
    value: str = Field("", max_length=4096)


class ConfigRef(BaseModel):
    """A ConfigMap or Secret whose keys become environment variables."""

    model_config = Strict

    kind: Literal["configmap", "secret"]
    name: str = Field(min_length=1, max_length=253, pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class Sidecar(BaseModel):
    model_config = Strict

    name: Name
    image: str = Field(min_length=1, max_length=512)
    order: JsonInt = Field(0, ge=0, le=100, description="start order: lower starts first")
    ports: list[JsonInt] = Field(default_factory=list, max_length=8)
    env: list[EnvVar] = Field(default_factory=list, max_length=64)
    resources: Resources = Field(default_factory=Resources)


class AppSpec(BaseModel):
    """Everything a release renders from; stored whole, versioned by the app's ETag."""

    model_config = Strict

    app_yaml: AppYaml
    port: JsonInt = Field(ge=1, le=65535)
    resources: Resources = Field(default_factory=Resources)
    replicas: dict[EnvName, Replicas] = Field(
        default_factory=dict, description="replicas per environment (default 2)"
    )
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    security: Security = Field(default_factory=Security)
    sidecars: list[Sidecar] = Field(default_factory=list, max_length=8)
    env: list[EnvVar] = Field(default_factory=list, max_length=128)
    config_refs: list[ConfigRef] = Field(default_factory=list, max_length=16)
    pod_annotations: dict[str, str] = Field(default_factory=dict, max_length=32)
    hosts: dict[EnvName, HostList] = Field(
        default_factory=dict,
        description="hostnames the ingress routes to the app, per environment, beside the "
        "environment's own `<app>.<env>...` name; each hostname belongs to one app and one "
        f"environment (at most {MAX_HOSTS_PER_ENV} per environment)",
        examples=[{"prod": ["shop.example.com", "www.shop.example.com"]}],
    )
    analysis: AnalysisTemplate | None = Field(
        None,
        description="the checks this app's releases are judged by, instead of the environment's "
        "(built-in metrics only: a custom PromQL check belongs in an environment's policy)",
    )

    @field_validator("analysis")
    @classmethod
    def _builtin_checks(cls, value: AnalysisTemplate | None) -> AnalysisTemplate | None:
        if value is not None and value.custom:
            raise ValueError(
                "custom checks (PromQL, webhooks) are for admins: put them in the environment's "
                "policy"
            )
        return value

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        seen: dict[str, str] = {}
        for env, hosts in value.items():
            for host in hosts:
                if host in seen:
                    raise ValueError(f"{host!r} is listed twice ({seen[host]} and {env})")
                seen[host] = env
        return value

    @field_validator("sidecars")
    @classmethod
    def _unique_sidecars(cls, value: list[Sidecar]) -> list[Sidecar]:
        names = [s.name for s in value]
        if len(names) != len(set(names)):
            raise ValueError("sidecar names must be unique")
        return value

    @field_validator("pod_annotations")
    @classmethod
    def _annotation_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not re.match(r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", key):
                raise ValueError(f"{key!r} is not a valid annotation key")
            if key.startswith(labels.PREFIX):
                raise ValueError(f"{key!r}: flotilla.io/ annotations are Flotilla's own")
            domain = key.partition("/")[0] if "/" in key else ""
            if any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS):
                raise ValueError(
                    f"{key!r}: kubernetes.io and k8s.io annotations change how Kubernetes runs "
                    "the pod (AppArmor, seccomp, eviction) and are the platform's to set"
                )
        if sum(len(k) + len(v) for k, v in value.items()) > 64 * 1024:
            raise ValueError("pod annotations larger than 64 KiB in all")
        return value


RESERVED_DOMAINS = ("kubernetes.io", "k8s.io")


class _AppFields(BaseModel):
    """Fields shared by create and update (update: all optional)."""

    model_config = Strict

    app_yaml: Annotated[AppYaml | None, BeforeValidator(app_yaml_mapping)] = Field(
        None,
        description="the app.yaml, as an object or as its YAML text",
        json_schema_extra=_or_text,
    )
    port: Port | None = Field(None, description="default: by type (table)")
    resources: Resources | None = None
    replicas: dict[EnvName, Replicas] | None = None
    health_check: HealthCheck | None = None
    lifecycle: Lifecycle | None = None
    security: Security | None = None
    sidecars: list[Sidecar] | None = None
    env: list[EnvVar] | None = None
    config_refs: list[ConfigRef] | None = None
    pod_annotations: dict[str, str] | None = None
    hosts: dict[EnvName, HostsIn] | None = Field(None, description="hostnames per environment")


class AppCreate(_AppFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "shop",
                    "team": "commerce",
                    "type": "python",
                    "app_yaml": {
                        "stack": "youzanyun-centos6",
                        "runtime": "python-2.7",
                        "entrypoint": "gunicorn -c gunicorn_config.py wsgi:application",
                    },
                    "resources": {
                        "requests": {"cpu": "250m", "memory": "256Mi"},
                        "limits": {"cpu": "1", "memory": "512Mi"},
                    },
                    "replicas": {"prod": 4, "test": 1},
                    "health_check": {"path": "/health"},
                    "hosts": {"prod": ["shop.example.com"]},
                }
            ]
        },
    )

    name: Name
    team: Name
    type: AppType


class AppUpdate(_AppFields):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"replicas": {"prod": 6}}]}
    )

    team: Name | None = None


def build_spec(app_type: AppType, fields: _AppFields, base: AppSpec | None = None) -> AppSpec:
    """Merge given fields over `base` (or the type's defaults) and validate the whole."""
    data: dict[str, Any] = base.model_dump() if base is not None else {}
    given = fields.model_dump(exclude_unset=True, exclude_none=True)
    given.pop("team", None)
    given.pop("name", None)
    given.pop("type", None)
    data.update(given)
    if "app_yaml" not in data:
        raise ValueError("app_yaml is required (stack, runtime, entrypoint)")
    data.setdefault("port", PORT_BY_TYPE[app_type])
    spec = AppSpec.model_validate(data)
    if not spec.app_yaml.runtime.startswith(RUNTIME_PREFIX[app_type]):
        wanted = " or ".join(f"{p}<version>" for p in RUNTIME_PREFIX[app_type])
        raise ValueError(
            f"runtime {spec.app_yaml.runtime!r} does not fit a {app_type} app (want {wanted})"
        )
    return spec


def _created_example() -> dict[str, Any]:
    """What creating AppCreate's example answers: its spec is the one build_spec makes of it,
    defaults filled in, so the example cannot drift from the code."""
    extra = AppCreate.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    given = AppCreate.model_validate(extra["examples"][0])  # type: ignore[index]
    return {
        "name": given.name,
        "team": given.team,
        "type": given.type.value,
        "spec": build_spec(given.type, given).model_dump(mode="json"),
        "version": 1,
        "archived": False,
        "created_at": "2026-12-05T09:30:00Z",
        "updated_at": "2026-12-05T09:30:00Z",
    }


class AppOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_created_example()]})

    name: str
    team: str
    type: AppType
    spec: AppSpec
    version: int = Field(description="also the ETag; send it back in If-Match to update")
    archived: bool
    created_at: datetime
    updated_at: datetime


class AppPage(BaseModel):
    items: list[AppOut]
    next_cursor: str | None


class ScaleRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"replicas": 6}, {"replicas": 0}]}
    )

    replicas: JsonInt = Field(ge=0, le=1000)
    cluster: str | None = Field(None, description="one cluster of the env; default: all")


class ScaleOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "app": "shop",
                    "env": "prod",
                    "replicas": 4,
                    "clusters": {"idc-a-1": "ok", "idc-b-1": "ok"},
                }
            ]
        }
    )

    app: str
    env: str
    replicas: int
    clusters: dict[str, str] = Field(description="cluster → ok, or the error")
