"""HAProxy's whole configuration, rendered from a layout: pure functions, no I/O.

A *layout* is what needs a reload to change: the backends and how many server slots each has.
Everything else changes at run time through the runtime API — which pod fills which slot, its
weight and state, and the two maps the frontend routes by (Host → backend, `x-flotilla-app` →
backend) — so the layout's digest, written into the configuration's `description` and read back
with `show info`, tells k8s-sync whether a running HAProxy already has what it needs.

Slots (`server s<i> <address> id <i> weight 100 disabled`, N per backend) are what the HAProxy
Kubernetes Ingress Controller uses too. Over 2.6's `add server`/`del server` they have three
advantages this platform needs: a reload keeps them (with the server-state file; dynamic
servers vanish on reload), nothing is ever deleted (deleting a server that still carries traffic
can crash 2.6.12, haproxy#2298), and configured servers reuse idle backend connections, which
dynamic ones do not before 2.6.18.

How a reload keeps the slots (HAProxy 2.6.12, measured): the new worker loads the server-state
file k8s-sync saves just before (`show servers state`), which restores each slot's admin state
(ready, drain, maintenance), weight and port — but not its IP address, which 2.6 takes from the
state file only for servers it resolves by name. So every slot is rendered with the address it
holds at that moment, and always `disabled`: after a reload the state file puts the served ones
back in service, while a cold start (no state file) begins with every slot out of service, to
be filled by k8s-sync, instead of sending traffic to addresses that may have been reused since.

The template (`haproxy.cfg.tmpl` beside this module) is shipped with the service; operators read
it to see exactly what runs.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any

from flotilla_contracts.names import is_name
from k8s_sync.ingress.traffic import LOG_FORMAT as TRAFFIC_LOG_FORMAT
from k8s_sync.sync.routes import GRAY_SUFFIX

NO_ROUTE = "flotilla-no-route"
SLOT_PREFIX = "s"
_TEMPLATE = Template(files("k8s_sync.ingress").joinpath("haproxy.cfg.tmpl").read_text())
# What may appear in a backend name we write: `<app>.<env>` of DNS labels, or its gray twin.
_MAX_BACKEND = 127


@dataclass(frozen=True)
class InstancePaths:
    """Where one HAProxy instance's files are; the same paths inside HAProxy and k8s-sync."""

    config_dir: Path
    runtime_socket: str
    bind: str
    maxconn: int
    hard_stop_after_s: int
    # where HAProxy sends one log line per request (k8s_sync.ingress.traffic); None: no log
    traffic_socket: str | None = None

    @property
    def config_link(self) -> Path:
        """The path HAProxy is started with (`-f`): a symlink to the current generation."""
        return self.config_dir / "haproxy.cfg"

    @property
    def state_file(self) -> Path:
        return self.config_dir / "server-state"

    def generation_dir(self, generation: int) -> Path:
        return self.config_dir / "generations" / f"{generation:06d}"


@dataclass(frozen=True)
class Layout:
    """Backends → slot count. Equal layouts render equal configurations."""

    slots: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, slots: Mapping[str, int]) -> Layout:
        return cls(tuple(sorted(slots.items())))

    @property
    def backends(self) -> dict[str, int]:
        return dict(self.slots)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.slots).encode()).hexdigest()[:16]

    def to_json(self) -> str:
        return json.dumps({"backends": dict(self.slots)}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Layout:
        data: dict[str, Any] = json.loads(text)
        return cls.of({str(k): int(v) for k, v in data.get("backends", {}).items()})


def backend_problem(name: str) -> str | None:
    """Why `name` must never be written as a backend, or None."""
    base = name.removesuffix(GRAY_SUFFIX)
    app, dot, env = base.partition(".")
    if not dot or not is_name(app) or not is_name(env):
        return "a backend is <app>.<env> of DNS labels"
    if len(name) > _MAX_BACKEND:
        return f"longer than {_MAX_BACKEND} characters"
    return None


def slots_for(needed: int, *, minimum: int, headroom: float) -> int:
    """Slots for a backend that must hold `needed` servers: headroom over the need, rounded up
    to a multiple of 8, never below `minimum`."""
    return max(minimum, 8 * math.ceil(max(1, needed) * headroom / 8))


def slot_names(count: int) -> list[str]:
    return [f"{SLOT_PREFIX}{i}" for i in range(1, count + 1)]


@dataclass(frozen=True)
class Rendered:
    text: str  # haproxy.cfg
    hosts_map: str
    apps_map: str


def map_text(entries: Mapping[str, str]) -> str:
    return "".join(f"{key} {value}\n" for key, value in sorted(entries.items()))


def render(
    layout: Layout,
    *,
    instance: str,
    paths: InstancePaths,
    generation: int,
    hosts: Mapping[str, str],
    apps: Mapping[str, str],
    addresses: Mapping[str, Mapping[str, tuple[str, int]]] | None = None,
) -> Rendered:
    """The configuration of one generation. `addresses`: backend → slot → the (IPv4, port) it
    holds now. Callers pass only backends that passed `backend_problem` and hostnames that
    passed `flotilla_contracts.hostnames`; this checks again, because one bad name makes HAProxy
    refuse the whole file."""
    backends = layout.backends
    for name in backends:
        if problem := backend_problem(name):
            raise ValueError(f"backend {name!r}: {problem}")
    directory = paths.generation_dir(generation)
    gray_rules = "".join(
        f"    use_backend {name} if {{ req.hdr(x-flotilla-stage) -m str gray }} "
        f"{{ var(txn.backend) -m str {name.removesuffix(GRAY_SUFFIX)} }} "
        f"{{ nbsrv({name}) gt 0 }}\n"
        for name in sorted(backends)
        if name.endswith(GRAY_SUFFIX)
    )
    addresses = addresses or {}
    blocks = "\n".join(
        f"backend {name}\n    balance roundrobin\n"
        + "".join(
            f"    server {slot} {_address(addresses.get(name, {}).get(slot))}"
            f" id {i} weight 100 disabled\n"
            for i, slot in enumerate(slot_names(count), start=1)
        )
        for name, count in sorted(backends.items())
    )
    text = _TEMPLATE.substitute(
        instance=instance,
        generation=generation,
        digest=layout.digest(),
        runtime_socket=paths.runtime_socket,
        state_file=paths.state_file,
        traffic_log=_traffic_log(paths.traffic_socket),
        maxconn=paths.maxconn,
        hard_stop_after=f"{paths.hard_stop_after_s}s",
        bind=paths.bind,
        hosts_map=directory / "hosts.map",
        apps_map=directory / "apps.map",
        gray_rules=gray_rules,
        backends=blocks,
    )
    known = set(backends)
    return Rendered(
        text=text,
        hosts_map=map_text({h: b for h, b in hosts.items() if b in known}),
        apps_map=map_text({k: b for k, b in apps.items() if b in known}),
    )


def _traffic_log(path: str | None) -> str:
    """The defaults' lines that send one line per request to k8s-sync, or none."""
    if path is None:
        return ""
    return (
        "    # One line per request to k8s-sync (the leader counts them per app, cluster and\n"
        "    # stage for automated analysis: k8s_sync.ingress.traffic). A unix datagram socket:\n"
        "    # when nobody reads it, lines are dropped, never queued in HAProxy.\n"
        f"    log {path} len 512 format raw local0 info\n"
        f'    log-format "{TRAFFIC_LOG_FORMAT}"\n'
        "    option dontlognull\n"
    )


def _address(held: tuple[str, int] | None) -> str:
    """`ip:port` for a slot's line: what it holds (IPv4 only), else a placeholder."""
    if held is not None:
        try:
            if isinstance(ipaddress.ip_address(held[0]), ipaddress.IPv4Address) and held[1] > 0:
                return f"{held[0]}:{int(held[1])}"
        except ValueError:
            pass
    return "127.0.0.1:1"


def parse_description(description: str) -> tuple[int, str] | None:
    """`show info`'s Description of a configuration we rendered → (generation, layout digest)."""
    words = description.split()
    try:
        at = words.index("generation")
        return int(words[at + 1]), words[words.index("layout") + 1]
    except (ValueError, IndexError):
        return None
