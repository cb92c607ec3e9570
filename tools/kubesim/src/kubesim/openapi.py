"""OpenAPI v3 documents for kubectl, generated from kubernetes-asyncio's model metadata.

kubectl fetches `/openapi/v3` before `apply`; finding the `fieldValidation` parameter on the
write operations of a kind makes it validate on the server instead of on the client. Schemas
come from each model's `openapi_types` and `attribute_map`, with `x-kubernetes-group-version-kind`
on the top-level kinds.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any

from kubernetes_asyncio.client import models

from kubesim.resources import GROUP_VERSIONS, ResourceType

_PRIMITIVES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer", "format": "int64"},
    "float": {"type": "number", "format": "double"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "object": {},
}
_WRITE_PARAMS = [
    {"name": "dryRun", "in": "query", "schema": {"type": "string"}},
    {"name": "fieldManager", "in": "query", "schema": {"type": "string"}},
    {"name": "fieldValidation", "in": "query", "schema": {"type": "string"}},
]


def _model_class(kind: str, version: str) -> Any:
    return getattr(models, f"{version.capitalize()}{kind}", None)


def _schema_for_type(type_name: str, schemas: dict[str, Any]) -> dict[str, Any]:
    if type_name in _PRIMITIVES:
        return dict(_PRIMITIVES[type_name])
    if m := re.fullmatch(r"list\[(.+)\]", type_name):
        return {"type": "array", "items": _schema_for_type(m.group(1), schemas)}
    if m := re.fullmatch(r"dict\(str, (.+)\)", type_name):
        return {"type": "object", "additionalProperties": _schema_for_type(m.group(1), schemas)}
    cls = getattr(models, type_name, None)
    if cls is None:
        return {}
    _add_model(cls, schemas)
    return {"$ref": f"#/components/schemas/{type_name}"}


def _add_model(cls: Any, schemas: dict[str, Any]) -> None:
    name = cls.__name__
    if name in schemas:
        return
    schemas[name] = {"type": "object"}  # placeholder first: models refer to each other
    properties = {
        cls.attribute_map[attr]: _schema_for_type(type_name, schemas)
        for attr, type_name in cls.openapi_types.items()
    }
    schemas[name] = {"type": "object", "properties": properties}


@functools.cache
def group_version_document(group_version: str) -> dict[str, Any] | None:
    types = GROUP_VERSIONS.get(group_version)
    if types is None:
        return None
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for rt in types:
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        cls = _model_class(rt.kind, rt.version)
        if cls is not None:
            _add_model(cls, schemas)
            schemas[cls.__name__]["x-kubernetes-group-version-kind"] = [gvk]
        ref = {"$ref": f"#/components/schemas/{cls.__name__}"} if cls else {}
        base = _base_path(rt)
        op = {
            "x-kubernetes-group-version-kind": gvk,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": ref}}}
            },
        }
        paths[base] = {
            "get": {**op, "operationId": f"list{rt.kind}"},
            "post": {
                **op,
                "operationId": f"create{rt.kind}",
                "parameters": _WRITE_PARAMS,
                "requestBody": {"content": {"application/json": {"schema": ref}}},
            },
        }
        paths[base + "/{name}"] = {
            "get": {**op, "operationId": f"read{rt.kind}"},
            "put": {**op, "operationId": f"replace{rt.kind}", "parameters": _WRITE_PARAMS},
            "patch": {**op, "operationId": f"patch{rt.kind}", "parameters": _WRITE_PARAMS},
            "delete": {**op, "operationId": f"delete{rt.kind}", "parameters": _WRITE_PARAMS[:1]},
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kubesim)", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _base_path(rt: ResourceType) -> str:
    prefix = f"/apis/{rt.group}/{rt.version}" if rt.group else "/api/v1"
    return (
        f"{prefix}/namespaces/{{namespace}}/{rt.plural}"
        if rt.namespaced
        else f"{prefix}/{rt.plural}"
    )


def _doc_path(group_version: str) -> str:
    return "api/v1" if group_version == "v1" else f"apis/{group_version}"


@functools.cache
def index() -> dict[str, Any]:
    paths = {}
    for gv in GROUP_VERSIONS:
        doc = group_version_document(gv)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]
        paths[_doc_path(gv)] = {"serverRelativeURL": f"/openapi/v3/{_doc_path(gv)}?hash={digest}"}
    return {"paths": paths}


def document(path: str) -> dict[str, Any] | None:
    """The document for a request path under /openapi/, or None (v2 is not served)."""
    if path.rstrip("/") == "/openapi/v3":
        return index()
    if path.startswith("/openapi/v3/"):
        rel = path[len("/openapi/v3/") :].strip("/")
        for gv in GROUP_VERSIONS:
            if _doc_path(gv) == rel:
                return group_version_document(gv)
    return None
