"""Path parameters every service checks at its edge, and declares in its OpenAPI documents.

`NamePath` is a Flotilla name (flotilla_contracts.names: a DNS label) — an app, an env, a
cluster, an environment. `ObjectPath` is a Kubernetes object name (RFC 1123 subdomain, at most
253 characters), for nodes and pods. A path that is not one is a 422 problem before any
handler runs; the names never reach HAProxy's runtime API, a label selector or SQL unchecked.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path, Query

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
