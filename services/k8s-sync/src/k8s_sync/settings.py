"""Settings of k8s-sync: environment variables prefixed `K8S_SYNC_`."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flotilla_runtime.settings import FullServiceSettings, service_config
from k8s_sync.ingress.config import InstancePaths
from k8s_sync.sync.routes import template_problem

# What a `bind` line may hold: an address and port, optionally `ipv4@`/`ipv6@`, no options.
_BIND = re.compile(r"^[A-Za-z0-9.:\[\]*@_-]{1,100}$")


TRAFFIC_SOCKET_MAX = 97  # HAProxy 2.6 refuses a longer `log` socket path


class IngressInstanceSettings(BaseModel):
    """One HAProxy instance k8s-sync drives (an element of `K8S_SYNC_INGRESSES`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", description="instance name")
    config_dir: Path = Field(
        description="shared with HAProxy at the same path: k8s-sync writes generations here"
    )
    runtime_socket: str = Field(
        description="runtime API (`stats socket`): a unix socket path; host:port only with "
        "allow_tcp_runtime"
    )
    runtime_connect: str | None = Field(
        None,
        description="where k8s-sync dials the runtime API when that differs from "
        "`runtime_socket` (HAProxy's own path, which the rendered configuration binds): the "
        "same socket mounted at another path in k8s-sync's container, or a relay in between "
        "(the fault suite's, which cuts connections). Default: `runtime_socket`",
    )
    master_socket: str = Field(description="master CLI: the unix socket of `haproxy -W -S`")
    traffic_socket: str | None = Field(
        None,
        description="where HAProxy sends one log line per request for k8s-sync to count "
        "(automated analysis: k8s_sync.ingress.traffic): a unix datagram socket path, shared "
        f"like runtime_socket, of at most {TRAFFIC_SOCKET_MAX} bytes (HAProxy's limit for a log "
        "socket). Default: traffic.sock beside runtime_socket (in config_dir when the runtime "
        "API is TCP)",
    )
    bind: str = Field(":80", description="the frontend's bind address, e.g. :80 or 127.0.0.1:8080")
    maxconn: int = Field(20_000, ge=100, le=1_000_000)
    hard_stop_after_s: int = Field(
        60, ge=1, le=86_400, description="old workers' deadline to finish after a reload"
    )
    allow_tcp_runtime: bool = Field(
        False,
        description="SENSITIVE: lets runtime_socket be host:port. The runtime API has no "
        "authentication and controls every route; expose it only on loopback or a private "
        "network you trust",
    )

    @field_validator("bind")
    @classmethod
    def _bind(cls, value: str) -> str:
        if not _BIND.match(value):
            raise ValueError("bind is one address:port (no spaces or options)")
        return value

    @property
    def traffic_path(self) -> str:
        if self.traffic_socket is not None:
            return self.traffic_socket
        if self.runtime_socket.startswith("/"):
            return str(Path(self.runtime_socket).parent / "traffic.sock")
        return str(self.config_dir / "traffic.sock")

    @model_validator(mode="after")
    def _traffic_socket(self) -> IngressInstanceSettings:
        path = self.traffic_path
        if not path.startswith("/"):
            raise ValueError("traffic_socket must be an absolute unix socket path")
        if len(path.encode()) > TRAFFIC_SOCKET_MAX:
            raise ValueError(
                f"traffic_socket {path!r} is longer than {TRAFFIC_SOCKET_MAX} bytes, HAProxy's "
                "limit for a log socket: set traffic_socket to a shorter path"
            )
        return self

    @model_validator(mode="after")
    def _unix_sockets(self) -> IngressInstanceSettings:
        if not self.master_socket.startswith("/"):
            raise ValueError("master_socket must be an absolute unix socket path")
        for field, value in (
            ("runtime_socket", self.runtime_socket),
            ("runtime_connect", self.runtime_connect),
        ):
            if value is not None and not value.startswith("/") and not self.allow_tcp_runtime:
                raise ValueError(
                    f"{field} must be an absolute unix socket path; a TCP runtime API needs "
                    "allow_tcp_runtime (it is unauthenticated: loopback or a trusted network only)"
                )
        if not self.config_dir.is_absolute():
            raise ValueError("config_dir must be absolute")
        return self

    @property
    def runtime_address(self) -> str:
        """What k8s-sync dials for the runtime API."""
        return self.runtime_connect or self.runtime_socket

    @property
    def stats_socket(self) -> str:
        """The `stats socket` address as HAProxy's configuration writes it."""
        return (
            self.runtime_socket
            if self.runtime_socket.startswith("/")
            else (f"ipv4@{self.runtime_socket}")
        )

    def paths(self) -> InstancePaths:
        return InstancePaths(
            config_dir=self.config_dir,
            runtime_socket=self.stats_socket,
            traffic_socket=self.traffic_path,
            bind=self.bind,
            maxconn=self.maxconn,
            hard_stop_after_s=self.hard_stop_after_s,
        )

    def haproxy_command(self) -> list[str]:
        """How HAProxy must be started for k8s-sync to drive it (master-worker mode)."""
        return [
            "haproxy",
            "-W",
            "-db",
            "-S",
            f"{self.master_socket},mode,600",
            "-f",
            str(self.paths().config_link),
        ]


DEFAULT_INGRESS = IngressInstanceSettings(
    name="ingress",
    config_dir=Path("/etc/haproxy/flotilla"),
    runtime_socket="/run/haproxy/admin.sock",
    master_socket="/run/haproxy/master.sock",
)


class Settings(FullServiceSettings):
    model_config = service_config("K8S_SYNC_")

    service_name: str = "k8s-sync"
    port: int = 8082
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_sync"
    ingresses: list[IngressInstanceSettings] = Field(
        default_factory=lambda: [DEFAULT_INGRESS],
        min_length=1,
        description="The HAProxy instances to keep in step (JSON list), each driven on its own.",
    )
    domain_templates: dict[str, str] = Field(
        default_factory=lambda: {"*": "{app}.{env}.apps.localhost"},
        description="Hostname every (app, env) gets, per environment; `*` for the others. "
        'Set your domain in production, e.g. {"*": "{app}.{env}.apps.example.com"}.',
    )
    sync_window_s: float = Field(
        0.01, ge=0, le=5, description="Changes arriving within this go out together."
    )
    reconcile_s: float = Field(
        1.0, gt=0, description="How often each instance is asked whether it is up and what it runs."
    )
    drift_check_s: float = Field(
        10.0, gt=0, description="How often every slot of an instance is read back to find drift."
    )
    reload_delay_s: float = Field(
        0.25, ge=0, le=30, description="New backends arriving within this share one reload."
    )
    prune_after_s: float = Field(
        60.0, ge=0, description="A backend no longer needed leaves at a reload this much later."
    )
    slots_min: int = Field(8, ge=1, le=1000, description="Fewest server slots a backend gets.")
    slots_headroom: float = Field(
        2.0, ge=1.0, le=10.0, description="Slots per server needed, when a backend is sized."
    )
    leader_lock: str = Field(
        "k8s-sync",
        min_length=1,
        max_length=200,
        description="Replicas sharing this lock name elect one writer for the instances they "
        "list. Where each pod drives only its own HAProxy (k8s-sync beside it in the pod), "
        "every pod needs its own: set it to the pod's name.",
    )
    cluster_refresh_s: float = Field(
        60.0,
        gt=0,
        description="Safety-net period for re-reading the cluster list; cluster-registry's "
        "events on flotilla.clusters.v1 trigger a re-read at once.",
    )

    @field_validator("ingresses")
    @classmethod
    def _unique(cls, value: list[IngressInstanceSettings]) -> list[IngressInstanceSettings]:
        for what in ("name", "config_dir", "runtime_socket", "master_socket"):
            seen = [getattr(i, what) for i in value]
            if len(seen) != len(set(seen)):
                raise ValueError(f"ingress instances must differ in {what}")
        return value

    @field_validator("domain_templates")
    @classmethod
    def _templates(cls, value: dict[str, str]) -> dict[str, str]:
        for env, template in value.items():
            if problem := template_problem(template):
                raise ValueError(f"domain template for {env!r}: {problem}")
        return value
