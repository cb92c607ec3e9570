"""Protobuf request bodies, as kubectl sends them (`kubectl create deployment|configmap|...`).

Kubernetes' protobuf encoding (https://kubernetes.io/docs/reference/using-api/api-concepts/
#protobuf-encoding): the 4 bytes `k8s\\x00`, then a `runtime.Unknown` message whose `typeMeta`
names the kind and whose `raw` is the object in the proto2 wire format of the types'
`generated.proto` files. kubesim decodes such a body into the object's JSON form and goes on as
with JSON; it answers in JSON, which clients that send protobuf also accept.

The field table (`protofields.json`, message → field number → JSON name, type, label) is made
from the published `generated.proto` files of k8s.io/api and k8s.io/apimachinery at the
version below by `python -m kubesim.protobuf` (it fetches the modules with `go mod download`),
and checked to be current by a test. Field names there are the JSON names (go-to-protobuf
takes them from the json tags). A few apimachinery messages have a JSON form of their own:
Time and MicroTime (RFC 3339), Quantity (its string), IntOrString (the int or the string),
RawExtension and FieldsV1 (embedded JSON), Duration (Go's duration text is not needed: kept as
nanoseconds, which no kind kubesim serves sends).
"""

from __future__ import annotations

import base64
import json
import re
import struct
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
API_VERSION = "v0.34.4"
SOURCES = {  # module → its generated.proto files kubesim needs (the kinds it serves)
    "k8s.io/api": [
        "core/v1",
        "apps/v1",
        "discovery/v1",
        "coordination/v1",
        "policy/v1",
        "autoscaling/v1",
    ],
    "k8s.io/apimachinery": [
        "pkg/apis/meta/v1",
        "pkg/runtime",
        "pkg/runtime/schema",
        "pkg/util/intstr",
        "pkg/api/resource",
    ],
}
META = "k8s.io.apimachinery.pkg.apis.meta.v1."
ZERO_TIME = -62135596800  # Go's zero time.Time (year 1): JSON null
SCALARS = {
    "string",
    "bytes",
    "bool",
    "int32",
    "int64",
    "uint32",
    "uint64",
    "double",
    "float",
    "sint32",
    "sint64",
}
KINDS = {  # kind → its message, for the kinds kubesim serves
    "Namespace": "k8s.io.api.core.v1.Namespace",
    "Node": "k8s.io.api.core.v1.Node",
    "Pod": "k8s.io.api.core.v1.Pod",
    "Service": "k8s.io.api.core.v1.Service",
    "Endpoints": "k8s.io.api.core.v1.Endpoints",
    "Event": "k8s.io.api.core.v1.Event",
    "ConfigMap": "k8s.io.api.core.v1.ConfigMap",
    "Secret": "k8s.io.api.core.v1.Secret",
    "Deployment": "k8s.io.api.apps.v1.Deployment",
    "ReplicaSet": "k8s.io.api.apps.v1.ReplicaSet",
    "EndpointSlice": "k8s.io.api.discovery.v1.EndpointSlice",
    "Lease": "k8s.io.api.coordination.v1.Lease",
    "PodDisruptionBudget": "k8s.io.api.policy.v1.PodDisruptionBudget",
    "Eviction": "k8s.io.api.policy.v1.Eviction",
    "Scale": "k8s.io.api.autoscaling.v1.Scale",
    "DeleteOptions": META + "DeleteOptions",
}

# --- the field table -------------------------------------------------------------------------

FIELD = re.compile(
    r"^\s*(optional|repeated|required)?\s*(map<\s*(\S+)\s*,\s*(\S+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+)"
)


def parse_proto(text: str) -> dict[str, dict[str, list[Any]]]:
    """{qualified message: {number: [name, type, label]}} of one generated.proto (top-level
    messages, as go-to-protobuf writes them; map<K,V> fields have type "map:K:V")."""
    package = re.search(r"^package\s+([\w.]+);", text, re.M)
    assert package, "no package line"
    prefix = package.group(1)
    messages: dict[str, dict[str, list[Any]]] = {}
    current: dict[str, list[Any]] | None = None
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].rstrip()
        if m := re.match(r"^message\s+(\w+)\s*\{", line):
            current = messages.setdefault(f"{prefix}.{m.group(1)}", {})
            continue
        if line.startswith("}"):
            current = None
            continue
        if current is None or not (m := FIELD.match(line)):
            continue
        label, type_, key, value, name, number = m.groups()
        if key is not None:
            type_ = f"map:{key}:{_qualify(value, prefix)}"
        else:
            type_ = _qualify(type_, prefix)
        current[number] = [name, type_, label or "optional"]
    return messages


def _qualify(type_: str, package: str) -> str:
    if type_ in SCALARS:
        return type_
    if type_.startswith("."):
        return type_[1:]
    return f"{package}.{type_}"


def build_table(module_dirs: dict[str, Path]) -> dict[str, dict[str, list[Any]]]:
    table: dict[str, dict[str, list[Any]]] = {}
    for module, packages in SOURCES.items():
        for package in packages:
            table.update(
                parse_proto((module_dirs[module] / package / "generated.proto").read_text())
            )
    return dict(sorted(table.items()))


def download_modules() -> dict[str, Path]:
    """The modules' directories in Go's module cache (`go mod download`)."""
    dirs = {}
    for module in SOURCES:
        out = subprocess.run(
            ["go", "mod", "download", "-json", f"{module}@{API_VERSION}"],
            capture_output=True,
            text=True,
            check=True,
        )
        dirs[module] = Path(json.loads(out.stdout)["Dir"])
    return dirs


TABLE_FILE = "protofields.json"


@cache
def table() -> dict[str, dict[str, list[Any]]]:
    text = resources.files("kubesim").joinpath(TABLE_FILE).read_text()
    loaded: dict[str, dict[str, list[Any]]] = json.loads(text)
    return loaded


# --- decoding --------------------------------------------------------------------------------


class ProtobufError(ValueError):
    """A body that is not a Kubernetes protobuf message kubesim can read."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if at >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, at
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(number, wire type, value) of each field: ints for varints and fixed, bytes else."""
    out = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, at = _varint(data, at)
        elif wire == 1:
            value, at = struct.unpack_from("<q", data, at)[0], at + 8
        elif wire == 2:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ProtobufError("truncated field")
            value, at = data[at : at + size], at + size
        elif wire == 5:
            value, at = struct.unpack_from("<i", data, at)[0], at + 4
        else:
            raise ProtobufError(f"wire type {wire} is not used by Kubernetes")
        out.append((number, wire, value))
    return out


def _signed(value: int, bits: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value if bits == 64 else value


def _scalar(type_: str, wire: int, value: Any) -> Any:
    if type_ == "string":
        return bytes(value).decode()
    if type_ == "bytes":
        return base64.b64encode(bytes(value)).decode()
    if type_ == "bool":
        return bool(value)
    if type_ in ("int32", "int64"):
        return _signed(value, 64)
    if type_ in ("uint32", "uint64"):
        return int(value)
    if type_ == "double":
        return struct.unpack("<d", struct.pack("<q", value))[0]
    if type_ == "float":
        return struct.unpack("<f", struct.pack("<i", value))[0]
    raise ProtobufError(f"unexpected scalar type {type_}")


def _repeated_scalars(type_: str, wire: int, value: Any) -> list[Any]:
    """A repeated number may come packed (one length-delimited field) or one per field."""
    if wire != 2 or type_ in ("string", "bytes"):
        return [_scalar(type_, wire, value)]
    items, at = [], 0
    while at < len(value):
        item, at = _varint(value, at)
        items.append(_scalar(type_, 0, item))
    return items


def _special(message: str, data: bytes) -> tuple[bool, Any]:
    """(handled, JSON value) for the apimachinery messages with a JSON form of their own."""
    short = message.rsplit(".", 1)[-1]
    if message.startswith(META) and short in ("Time", "MicroTime"):
        values = {n: v for n, _, v in _fields(data)}
        seconds, nanos = _signed(values.get(1, 0), 64), values.get(2, 0)
        if seconds == ZERO_TIME or (seconds == 0 and not data):
            return True, None
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
            seconds=seconds, microseconds=nanos // 1000
        )
        text = at.strftime("%Y-%m-%dT%H:%M:%S")
        if short == "MicroTime":
            text += f".{at.microsecond:06d}"
        return True, text + "Z"
    if message.endswith(("resource.Quantity", "resource.QuantityValue")):
        return True, next((bytes(v).decode() for n, _, v in _fields(data) if n == 1), "0")
    if message.endswith("intstr.IntOrString"):
        values = {n: v for n, _, v in _fields(data)}
        if values.get(1, 0) == 1:
            return True, bytes(values.get(3, b"")).decode()
        return True, _signed(values.get(2, 0), 64)
    if message.endswith(("runtime.RawExtension", "v1.FieldsV1")):
        raw = next((bytes(v) for n, _, v in _fields(data) if n == 1), b"")
        return True, json.loads(raw) if raw else None
    return False, None


def decode_message(message: str, data: bytes) -> Any:
    handled, special = _special(message, data)
    if handled:
        return special
    fields = table().get(message)
    if fields is None:
        raise ProtobufError(f"kubesim does not know the message {message}")
    out: dict[str, Any] = {}
    for number, wire, value in _fields(data):
        spec = fields.get(str(number))
        if spec is None:
            continue  # a field newer than the table: dropped, as an unknown JSON field is
        name, type_, label = spec
        if type_.startswith("map:"):
            _, key_type, value_type = type_.split(":", 2)
            entry = {n: (w, v) for n, w, v in _fields(value)}
            key = _value(key_type, *entry.get(1, (2, b"")))
            out.setdefault(name, {})[key] = _value(value_type, *entry.get(2, (2, b"")))
        elif label == "repeated":
            items = (
                _repeated_scalars(type_, wire, value)
                if type_ in SCALARS
                else [decode_message(type_, value)]
            )
            out.setdefault(name, []).extend(items)
        else:
            out[name] = _value(type_, wire, value)
    return {k: v for k, v in out.items() if not _omitted(k, v)}


# go-to-protobuf writes a Go field that is not a pointer even at its zero value, where the JSON
# form leaves an `omitempty` one out; a pointer's zero (replicas: 0, gracePeriodSeconds: 0,
# allowPrivilegeEscalation: false) means something and is kept. Without the Go types at hand,
# the fields of the kinds kubesim serves that are such non-pointers are named here.
OMITTED_WHEN_ZERO = frozenset(
    {"generation", "minReadySeconds", "paused", "hostPort", "stdin", "stdinOnce", "tty"}
    | {"hostNetwork", "hostPID", "hostIPC", "unschedulable"}
)


def _omitted(name: str, value: Any) -> bool:
    if value is None or value == "":
        return True
    return name in OMITTED_WHEN_ZERO and value in (0, False) and not isinstance(value, str)


def _value(type_: str, wire: int, value: Any) -> Any:
    if type_ in SCALARS:
        return _scalar(type_, wire, value)
    return decode_message(type_, bytes(value))


def decode(body: bytes) -> dict[str, Any]:
    """A Kubernetes protobuf body as the object's JSON form (apiVersion and kind included)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("not a Kubernetes protobuf body (no k8s\\x00 prefix)")
    envelope = {n: v for n, _, v in _fields(body[len(MAGIC) :])}
    type_meta = {n: bytes(v).decode() for n, _, v in _fields(envelope.get(1, b""))}
    api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
    message = KINDS.get(kind)
    if message is None:
        raise ProtobufError(f"kubesim reads protobuf bodies of {sorted(KINDS)}, not {kind!r}")
    obj = decode_message(message, bytes(envelope.get(2, b"")))
    return {"apiVersion": api_version, "kind": kind, **obj}


def main() -> None:
    """Rewrite protofields.json from the published generated.proto files (`--check`: exit 1
    when it differs)."""
    rendered = json.dumps(build_table(download_modules()), indent=None, separators=(",", ":"))
    path = Path(__file__).with_name(TABLE_FILE)
    if "--check" in sys.argv:
        sys.exit(0 if path.exists() and path.read_text() == rendered + "\n" else 1)
    path.write_text(rendered + "\n")
    sys.stdout.write(f"wrote {path} ({len(rendered)} bytes)\n")


if __name__ == "__main__":
    main()
