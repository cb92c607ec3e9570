"""The vendored CDEvents 0.5.1 schemas (tests/vendor/cdevents-0.5.1) as a consumer holds
them: a JSON Schema 2020-12 validator per event type, links resolved from the same files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

VENDOR = Path(__file__).resolve().parent / "vendor" / "cdevents-0.5.1"


@cache
def _registry() -> tuple[Registry, dict[str, dict[str, Any]]]:
    resources = []
    by_type: dict[str, dict[str, Any]] = {}
    for path in sorted(VENDOR.rglob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        kinds = schema.get("properties", {}).get("context", {}).get("properties", {})
        for kind in kinds.get("type", {}).get("enum", []):
            by_type[kind] = schema
    return Registry().with_resources(resources), by_type


def errors(event: dict[str, Any]) -> list[str]:
    """What the CDEvents schema of the event's `context.type` says is wrong with it."""
    registry, by_type = _registry()
    kind = event.get("context", {}).get("type")
    if kind not in by_type:
        return [f"no CDEvents 0.5.1 schema for type {kind!r}"]
    validator = Draft202012Validator(
        by_type[kind], registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(event)]
