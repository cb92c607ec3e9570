"""`-o table|wide|json|yaml`: what every list and get prints.

Tables are plain aligned columns (as kubectl prints them): stable upper-case headers that
scripts may `awk` by name, no colour, nothing truncated, the same in a terminal and a pipe.
`wide` adds the columns marked wide. JSON and YAML are the API's own documents, unchanged.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FORMATS = ("table", "wide", "json", "yaml")


@dataclass(frozen=True)
class Column:
    header: str
    get: Callable[[dict[str, Any]], Any]
    wide: bool = False


def field(name: str) -> Callable[[dict[str, Any]], Any]:
    """A dotted path into the document (`spec.replicas`)."""

    def get(doc: dict[str, Any]) -> Any:
        value: Any = doc
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    return get


def cell(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ",".join(cell(v) for v in value)
    return str(value)


def table(rows: Iterable[dict[str, Any]], columns: Sequence[Column], *, wide: bool) -> str:
    chosen = [c for c in columns if wide or not c.wide]
    grid = [[c.header for c in chosen]]
    grid += [[cell(c.get(row)) for c in chosen] for row in rows]
    widths = [max(len(r[i]) for r in grid) for i in range(len(chosen))]
    lines = ["   ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in grid]
    return "\n".join(lines)


def dump(data: Any, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n")


def emit(data: Any, fmt: str, columns: Sequence[Column], *, items: bool) -> None:
    """A list (`items`: the page's items) or one document, in the chosen format."""
    if fmt in ("json", "yaml"):
        text = dump(data, fmt)
    else:
        rows = data if items else [data]
        text = table(rows, columns, wide=fmt == "wide")
    sys.stdout.write(text + "\n")
