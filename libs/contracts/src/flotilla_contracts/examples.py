"""One example payload per event type, for the AsyncAPI document and for readers.

Built from the models' own fields with one vocabulary (app `shop` in `prod`, clusters of IDCs
`idc-a` and `idc-b`, ...), so a new event type gets an example without anyone writing one,
and every example is validated by its model (`example(model)` raises if it would not be).
A field whose name is not in the vocabulary gets a value from its type; a type this cannot
make one for is a TypeError, to be added here.
"""

from __future__ import annotations

import types
import typing
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from flotilla_contracts.events import EventPayload

AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)

VOCABULARY: dict[str, Any] = {
    "app": "shop",
    "env": "prod",
    "environment": "prod",
    "cluster": "idc-a-1",
    "idc": "idc-a",
    "namespace": "shop-prod",
    "pod": "shop-7d9f8c6b5-x2k4p",
    "node": "idc-a-1-node-3",
    "container": "app",
    "image": "registry.example.com/shop:2.4.1",
    "release_id": UUID("0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4"),
    "alert_id": UUID("5b2f0c1e-8a3d-4e6f-9b71-2c4d5e6f7a8b"),
    "api_server": "https://10.0.0.10:6443",
    "kubernetes_version": "v1.34.4",
    "by": "ada",
    "requested_by": "ada",
    "approvers": "admins, or developers of team commerce",
    "comment": "canary looks healthy",
    "reason": "paused by ada: checking the canary's latency",
    "message": "shop-7d9f8c6b5-x2k4p is crash-looping (4 restarts)",
    "error": None,
    "name": "canary",
    "check": "errors",
    "action": "promote",
    "canary": None,
    "address": "10.1.4.17",
    "port": 8080,
    "state": "ready",
    "clusters": ("idc-a-1", "idc-a-2", "idc-b-1"),
    "succeeded": ("idc-a-1",),
    "failed": (),
    "changed": ("labels",),
    "wave": 0,
    "sample": 1,
    "replicas": 4,
    "desired": 4,
    "updated": 4,
    "ready": 4,
    "wave_value": 0.002,
    "max_parallel": 1,
    "soak_s": 300.0,
}

_DONE = {"idc-a-1": "succeeded", "idc-a-2": "succeeded", "idc-b-1": "succeeded"}
_ONE_FAILED = {**_DONE, "idc-b-1": "rolled-back"}
_WHY_FAILED = {"idc-b-1": "pods cannot start: CrashLoopBackOff (put back to the previous version)"}

BY_MODEL: dict[tuple[str, str], Any] = {
    # where a name means something of its own in one type, or one state reads better
    ("io.flotilla.rollout.phase_changed", "phase"): "waiting-ready",
    ("io.flotilla.rollout.phase_changed", "previous_phase"): "applying",
    ("io.flotilla.rollout.phase_changed", "reason"): None,
    ("io.flotilla.rollout.held", "held"): True,
    ("io.flotilla.rollout.held", "reason"): "the ingress does not follow idc-a-1 yet",
    ("io.flotilla.release.resumed", "reason"): "resumed by ada",
    ("io.flotilla.release.succeeded", "clusters"): _DONE,
    ("io.flotilla.release.succeeded", "errors"): {},
    ("io.flotilla.release.partially_failed", "clusters"): _ONE_FAILED,
    ("io.flotilla.release.partially_failed", "errors"): _WHY_FAILED,
    ("io.flotilla.release.failed", "clusters"): {k: "rolled-back" for k in _DONE},
    ("io.flotilla.release.failed", "errors"): {k: v for k in _DONE for v in _WHY_FAILED.values()},
    ("io.flotilla.release.aborted", "clusters"): {**_DONE, "idc-b-1": "aborted"},
    ("io.flotilla.release.aborted", "errors"): {},
    ("io.flotilla.release.rolled_back", "clusters"): {k: "rolled-back" for k in _DONE},
    ("io.flotilla.release.rolled_back", "errors"): {},
    ("io.flotilla.analysis.passed", "reason"): "every check passed 3 samples",
    ("io.flotilla.analysis.failed", "reason"): "errors: 5xx ratio 0.12 > 0.05 in idc-a-1",
    ("io.flotilla.analysis.failed", "clusters"): ("idc-a-1",),
    ("io.flotilla.analysis.inconclusive", "reason"): "errors: no data from Prometheus",
    ("io.flotilla.cluster.status_changed", "status"): "unreachable",
    ("io.flotilla.cluster.status_changed", "previous_status"): "ready",
    ("io.flotilla.cluster.status_changed", "reason"): "connection refused",
    ("io.flotilla.node.changed", "action"): "cordon",
    ("io.flotilla.node.changed", "details"): {"by": "ada"},
    ("io.flotilla.sync.applied", "resource_versions"): {"idc-a-1": "482113"},
    ("io.flotilla.sync.failed", "reason"): "HAProxy ingress-a: runtime API timed out",
    ("io.flotilla.alert.fired", "reason"): "crash_loop",
    ("io.flotilla.alert.fired", "severity"): "critical",
    ("io.flotilla.alert.resolved", "reason"): "crash_loop",
    ("io.flotilla.environment.changed", "action"): "mapped",
    ("io.flotilla.environment.changed", "clusters"): {
        "idc-a-1": "shop-prod",
        "idc-b-1": "shop-prod",
    },
    ("io.flotilla.release.created", "waves"): (
        {
            "name": "canary",
            "clusters": ("idc-a-1",),
            "max_parallel": 1,
            "soak_s": 300.0,
            "gate": "auto",
        },
        {
            "name": "rest",
            "clusters": ("idc-a-2", "idc-b-1"),
            "max_parallel": 2,
            "soak_s": 0.0,
            "gate": "approval",
        },
    ),
    ("io.flotilla.release.created", "on_failure"): "pause",
    ("io.flotilla.analysis.sampled", "values"): {"idc-a-1": 0.002},
    ("io.flotilla.analysis.sampled", "wave_verdict"): "passed",
}


def _value(name: str, annotation: Any, owner: str) -> Any:
    if (owner, name) in BY_MODEL:
        return BY_MODEL[(owner, name)]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _value(name, args[0], owner)
    if origin in (typing.Union, types.UnionType):
        useful = [a for a in args if a is not type(None)]
        if name in VOCABULARY and (VOCABULARY[name] is not None or type(None) in args):
            return _fit(VOCABULARY[name], useful[0], name, owner)
        return _value(name, useful[0], owner)
    if name in VOCABULARY:
        return _fit(VOCABULARY[name], annotation, name, owner)
    if origin is typing.Literal:
        return args[0]
    if origin is tuple:
        return (_value(name, args[0], owner),)
    if origin is dict:
        return {"idc-a-1": _value(name, args[1], owner)}
    if isinstance(annotation, type):
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if issubclass(annotation, BaseModel):
            return _build(annotation, owner)
        if annotation is datetime:
            return AT
        if annotation is bool:
            return False
        if annotation is int:
            return 1
        if annotation is float:
            return 0.5
        if annotation is str:
            return name.replace("_", "-")
        if annotation is UUID:
            return UUID(int=1)
    raise TypeError(f"{owner}.{name}: no example value for {annotation!r}")


def _fit(value: Any, annotation: Any, name: str, owner: str) -> Any:
    """A vocabulary value, shaped like the field (a name list where a dict is wanted...)."""
    if typing.get_origin(annotation) is dict and isinstance(value, tuple):
        value_type = typing.get_args(annotation)[1]
        return {key: _value(name + "_value", value_type, owner) for key in value}
    return value


def _build(model: type[BaseModel], owner: str) -> dict[str, Any]:
    """Every required field, and the optional ones the vocabulary names (others: defaults)."""
    return {
        name: _value(name, field.annotation, owner)
        for name, field in model.model_fields.items()
        if field.is_required() or name in VOCABULARY or (owner, name) in BY_MODEL
    }


def example(model: type[EventPayload]) -> dict[str, Any]:
    """A valid example payload of `model`, as JSON would carry it."""
    built = model.model_validate(_build(model, model.event_type))
    return built.model_dump(mode="json")
