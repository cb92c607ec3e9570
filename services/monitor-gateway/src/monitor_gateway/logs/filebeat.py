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


class _Labels(msgspec.Struct, gc=False):
    """Only the labels we use, decoded in C; dedotted keys (Filebeat's default), else the
    nested form (dedot off) under `flotilla` / `app`."""

    app: str | None = msgspec.field(default=None, name="flotilla_io/app")
    env: str | None = msgspec.field(default=None, name="flotilla_io/env")
    cluster: str | None = msgspec.field(default=None, name="flotilla_io/cluster")
    idc: str | None = msgspec.field(default=None, name="flotilla_io/idc")
    stage: str | None = msgspec.field(default=None, name="flotilla_io/stage")
    name: str | None = msgspec.field(default=None, name="app_kubernetes_io/name")
    nested_flotilla: Any = msgspec.field(default=None, name="flotilla")
    nested_app: Any = msgspec.field(default=None, name="app")


class _Kubernetes(msgspec.Struct, gc=False):
    namespace: str = ""
    pod: _Named = msgspec.field(default_factory=_Named)
    container: _Named = msgspec.field(default_factory=_Named)
    labels: _Labels = msgspec.field(default_factory=_Labels)


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
_LEADING = {
    "TRACE": "trace",
    "DEBUG": "debug",
    "INFO ": "info",
    "INFO:": "info",
    "WARN ": "warn",
    "WARN:": "warn",
    "WARNI": "warn",
    "ERROR": "error",
    "FATAL": "fatal",
}
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
        word = message[:5].upper()  # most lines start with their level: skip the regex
        if word in _LEADING:
            return _LEADING[word]
        match = _WORD.search(message, 0, 64)
        raw = match.group(1) if match else "info"
    level = raw.lower()
    level = _CANON.get(level, level)
    return level if level in LEVELS else "info"


def _nested(node: Any, *path: str) -> str:
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


def _labels(labels: _Labels) -> tuple[str, str, str, str, str]:
    """(app, env, cluster, idc, stage)."""
    app = labels.app or labels.name or ""
    env, cluster, idc, stage = (
        labels.env or "",
        labels.cluster or "",
        labels.idc or "",
        labels.stage or "",
    )
    flotilla = labels.nested_flotilla  # dedot off: {"flotilla": {"io/app": ...}}
    if not app:
        app = _nested(flotilla, "io/app") or _nested(labels.nested_app, "kubernetes", "io/name")
    if isinstance(flotilla, dict):
        env = env or _nested(flotilla, "io/env")
        cluster = cluster or _nested(flotilla, "io/cluster")
        idc = idc or _nested(flotilla, "io/idc")
        stage = stage or _nested(flotilla, "io/stage")
    return app, env, cluster, idc, stage


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
    app, env, cluster, idc, stage = _labels(k8s.labels)
    if not cluster and event.orchestrator is not None:
        cluster = event.orchestrator.cluster.name
    message = event.message
    if "\x00" in message:  # PostgreSQL text cannot hold NUL
        message = message.replace("\x00", "")
    return LogRow(
        event.timestamp,
        app,
        env,
        cluster,
        idc,
        stage,
        k8s.namespace,
        k8s.pod.name,
        k8s.container.name,
        level_of(event),
        message,
        partition,
        offset,
    )
