"""Filebeat's Kafka output (codec.json) → one log row. Pure functions, no I/O.

Fields used (shared/reference/observability-formats.md): `@timestamp`; `message`; `log.level`
when Filebeat or the app's JSON set one, else `level`/`lvl`/`severity` inside a JSON message,
else a level word near the start of the line, else `info`; `stream`; `kubernetes.namespace`,
`kubernetes.pod.name`, `kubernetes.container.name`; `kubernetes.labels.*` for app, env,
cluster, IDC and stage (dedotted `flotilla_io/app` or nested `{"flotilla": {"io/app": ...}}`,
both accepted; the app falls back to `app.kubernetes.io/name`); the cluster falls back to
`orchestrator.cluster.name`. Everything else is ignored, as it varies between versions.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

import msgspec


class Malformed(ValueError):
    """The record is not a Filebeat event we can store (kept as a dead letter)."""


class _Named(msgspec.Struct, gc=False):
    name: str = ""


class _Kubernetes(msgspec.Struct, gc=False):
    namespace: str = ""
    pod: _Named = msgspec.field(default_factory=_Named)
    container: _Named = msgspec.field(default_factory=_Named)
    labels: dict[str, Any] = msgspec.field(default_factory=dict)


class _Log(msgspec.Struct, gc=False):
    level: str | None = None


class _Orchestrator(msgspec.Struct, gc=False):
    cluster: _Named = msgspec.field(default_factory=_Named)


class FilebeatEvent(msgspec.Struct, gc=False):
    timestamp: datetime = msgspec.field(name="@timestamp")
    message: str
    stream: str = ""
    log: _Log | None = None
    kubernetes: _Kubernetes | None = None
    orchestrator: _Orchestrator | None = None


class _JsonLevel(msgspec.Struct, gc=False):
    level: str | None = None
    lvl: str | None = None
    severity: str | None = None


class LogRow(NamedTuple):
    ts: datetime
    app: str
    env: str
    cluster: str
    idc: str
    stage: str
    namespace: str
    pod: str
    container: str
    level: str
    message: str
    kpart: int
    koffset: int


COLUMNS = LogRow._fields
LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")
_CANON = {"warning": "warn", "critical": "fatal", "crit": "fatal", "err": "error", "panic": "fatal"}
_WORD = re.compile(r"\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|ERR|FATAL|CRIT(?:ICAL)?|PANIC)\b", re.I)
_decode_event = msgspec.json.Decoder(FilebeatEvent).decode
_decode_level = msgspec.json.Decoder(_JsonLevel).decode


def level_of(event: FilebeatEvent) -> str:
    raw = event.log.level if event.log is not None else None
    message = event.message
    if raw is None and message.startswith("{"):
        try:
            parsed = _decode_level(message)
            raw = parsed.level or parsed.lvl or parsed.severity
        except msgspec.DecodeError:
            raw = None
    if raw is None:
        match = _WORD.search(message, 0, 64)
        raw = match.group(1) if match else "info"
    level = raw.lower()
    level = _CANON.get(level, level)
    return level if level in LEVELS else "info"


def _label(labels: dict[str, Any], key: str) -> str:
    """`flotilla.io/app` from dedotted (`flotilla_io/app`) or nested (`flotilla.io` split on dots)
    label maps."""
    value = labels.get(key.replace(".", "_"))
    if value is None:
        value = labels.get(key)
    if value is None:
        node: Any = labels
        head, _, rest = key.partition("/")
        for part in head.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        value = node.get(rest) if isinstance(node, dict) and rest else None
    return value if isinstance(value, str) else ""


def parse(value: bytes | None, partition: int, offset: int) -> LogRow:
    if not value:
        raise Malformed("empty record")
    try:
        event = _decode_event(value)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Malformed(f"not a Filebeat event: {exc}") from None
    if event.timestamp.tzinfo is None:
        raise Malformed("@timestamp has no time zone")
    k8s = event.kubernetes or _Kubernetes()
    labels = k8s.labels
    cluster = _label(labels, "flotilla.io/cluster")
    if not cluster and event.orchestrator is not None:
        cluster = event.orchestrator.cluster.name
    return LogRow(
        ts=event.timestamp,
        app=_label(labels, "flotilla.io/app") or _label(labels, "app.kubernetes.io/name"),
        env=_label(labels, "flotilla.io/env"),
        cluster=cluster,
        idc=_label(labels, "flotilla.io/idc"),
        stage=_label(labels, "flotilla.io/stage"),
        namespace=k8s.namespace,
        pod=k8s.pod.name,
        container=k8s.container.name,
        level=level_of(event),
        message=event.message.replace("\x00", ""),
        kpart=partition,
        koffset=offset,
    )
