"""Filebeat's Kafka output (codec.json) → one log row. Pure functions, no I/O.

The reference for the ingest's native encoder (`flotilla_logcopy`, libs/logcopy), which must
store exactly these rows and refuse exactly these records
(services/monitor-gateway/tests/test_logcopy.py); used as is by the live tail.

The format and its sources: docs/reference/observability-formats.md. Fields used: `@timestamp`;
`message`; `log.level` when Filebeat or the app's JSON set one, else `level`/`lvl`/`severity`
inside a JSON message, else a level word near the start of the line, else `info`;
`kubernetes.namespace`, `kubernetes.pod.name`, `kubernetes.container.name`;
`kubernetes.labels.*` for app, env, cluster, IDC and stage (dedotted `flotilla_io/app` or nested
`{"flotilla": {"io/app": ...}}`, both accepted; the app falls back to `app.kubernetes.io/name`);
the cluster falls back to `orchestrator.cluster.name`. Everything else is ignored, as it varies
between versions.
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
_NO_KUBERNETES = _Kubernetes()


def level_of(shipped: str | None, message: str) -> str:
    """The shipper's level, else a JSON message's own, else a level word near the start."""
    raw = shipped
    if raw is None:
        leading = _LEADING.get(message[:5].upper())  # most lines start with their level
        if leading is not None:
            return leading
        if message.startswith("{"):
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


def _nested(node: Any, *path: str) -> str:
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, str) else ""


def _nested_labels(labels: _Labels) -> tuple[str, str, str, str, str]:
    """(app, env, cluster, idc, stage) when some are only in the nested form (dedot off)."""
    flotilla = labels.nested_flotilla  # {"flotilla": {"io/app": ...}}
    app: str = (
        labels.app
        or labels.name
        or _nested(flotilla, "io/app")
        or _nested(labels.nested_app, "kubernetes", "io/name")
    )
    return (
        app,
        labels.env or _nested(flotilla, "io/env"),
        labels.cluster or _nested(flotilla, "io/cluster"),
        labels.idc or _nested(flotilla, "io/idc"),
        labels.stage or _nested(flotilla, "io/stage"),
    )


def parse(value: bytes | None, partition: int, offset: int) -> LogRow:
    """One Filebeat record → one row; `Malformed` with the reason when it cannot be stored.

    The ingest stores what `flotilla_logcopy.encode` makes of the record; the two must agree.
    """
    if not value:
        raise Malformed("empty record")
    try:
        event = _decode_event(value)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Malformed(f"not a Filebeat event: {exc}") from None
    ts = event.timestamp
    if ts.tzinfo is None:
        raise Malformed("@timestamp has no time zone")
    k8s = event.kubernetes or _NO_KUBERNETES
    labels = k8s.labels
    app = labels.app or labels.name
    if app and labels.nested_flotilla is None:
        env, cluster, idc = labels.env or "", labels.cluster or "", labels.idc or ""
        stage = labels.stage or ""
    else:
        app, env, cluster, idc, stage = _nested_labels(labels)
    if not cluster and event.orchestrator is not None:
        cluster = event.orchestrator.cluster.name
    message = event.message
    shipped = event.log.level if event.log is not None else None
    level = level_of(shipped, message)
    if "\x00" in message:  # PostgreSQL text cannot hold NUL
        message = message.replace("\x00", "")
    return LogRow(
        ts,
        app,
        env,
        cluster,
        idc,
        stage,
        k8s.namespace,
        k8s.pod.name,
        k8s.container.name,
        level,
        message,
        partition,
        offset,
    )
