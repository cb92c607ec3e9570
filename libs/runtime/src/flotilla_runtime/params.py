"""Path parameters every service checks at its edge, and declares in its OpenAPI documents.

`NamePath` is a Flotilla name (flotilla_contracts.names: a DNS label) — an app, an env, a
cluster, an environment. `ObjectPath` is a Kubernetes object name (RFC 1123 subdomain, at most
253 characters), for nodes and pods. A path that is not one is a 422 problem before any
handler runs; the names never reach HAProxy's runtime API, a label selector or SQL unchecked.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import Path, Query
from pydantic import BeforeValidator

from flotilla_contracts.names import NAME_MAX, NAME_PATTERN

OBJECT_PATTERN: Final = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"

NamePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=NAME_MAX,
        pattern=NAME_PATTERN,
        description="A DNS label: a-z, 0-9 and '-', at most 63 characters",
    ),
]
ObjectPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=253,
        pattern=OBJECT_PATTERN,
        description="A Kubernetes object name (RFC 1123 subdomain)",
    ),
]
NameQuery = Annotated[
    str | None,
    Query(max_length=NAME_MAX, pattern=NAME_PATTERN, description="A DNS label"),
]
ObjectQuery = Annotated[
    str | None,
    Query(max_length=253, pattern=OBJECT_PATTERN, description="A Kubernetes object name"),
]


# RFC 3339's date-time (https://www.rfc-editor.org/rfc/rfc3339#section-5.6), what OpenAPI's
# `format: date-time` means: seconds and an offset are required. Pydantic alone also reads
# "0.5" as a Unix time and a bare date as midnight, which the documents do not promise.
_RFC3339: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str) and not _RFC3339.match(value):
        raise ValueError("an RFC 3339 date-time, such as 2026-12-03T17:00:00Z")
    return value


Instant = Annotated[datetime, BeforeValidator(_rfc3339)]
"""A date-time query parameter: RFC 3339 with an offset, nothing looser."""


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool | str | bytes):
        raise ValueError("an integer (a JSON number, not a string or a boolean)")
    return value


JSON_INTEGER: Final = BeforeValidator(_json_integer)
JsonInt = Annotated[int, JSON_INTEGER]
"""An integer field of a request body as JSON Schema's `integer` means it: 3 and 3.0, never
"3" or true (which pydantic's lax mode would take). Floats use pydantic's StrictFloat (ints
allowed), booleans StrictBool. Constraints go *before* the validator, or pydantic documents
them under its own names (`ge`) instead of JSON Schema's (`minimum`): a field that is
`JsonInt = Field(ge=0)` is fine; in a union or a container write
`Annotated[int, Field(ge=0), JSON_INTEGER]`."""
