"""The Filebeat parser: pure logic, so no real components."""

from __future__ import annotations

import json
from typing import Any

import pytest

from monitor_gateway.logs.filebeat import Malformed, parse


def event(message: str, labels: dict[str, Any], **extra: Any) -> bytes:
    body = {
        "@timestamp": "2026-11-27T10:00:00.123Z",
        "@metadata": {"beat": "filebeat", "topic": "ignored"},
        "message": message,
        "agent": {"version": "8.14.3"},
        "kubernetes": {
            "namespace": "shop",
            "pod": {"name": "web-1", "uid": "u"},
            "container": {"name": "web"},
            "labels": labels,
        },
        **extra,
    }
    return json.dumps(body).encode()


def test_dedotted_and_nested_labels_both_work() -> None:
    dedotted = parse(
        event("x", {"flotilla_io/app": "shop", "flotilla_io/env": "prod", "flotilla_io/idc": "a"}),
        1,
        7,
    )
    assert (dedotted.app, dedotted.env, dedotted.idc, dedotted.kpart, dedotted.koffset) == (
        "shop",
        "prod",
        "a",
        1,
        7,
    )
    nested = parse(event("x", {"flotilla": {"io/app": "shop", "io/stage": "gray"}}), 0, 0)
    assert (nested.app, nested.stage) == ("shop", "gray")
    by_name = parse(
        event("x", {"app_kubernetes_io/name": "web"}, orchestrator={"cluster": {"name": "k1"}}),
        0,
        0,
    )
    assert (by_name.app, by_name.cluster) == ("web", "k1")
    assert parse(event("x", {}), 0, 0).ts.microsecond == 123_000


@pytest.mark.parametrize(
    ("message", "extra", "level"),
    [
        ("ERROR boom", {}, "error"),
        ("WARNING: disk", {}, "warn"),
        ("2026-11-27 10:00:00 [CRITICAL] down", {}, "fatal"),
        ('{"level":"DEBUG","msg":"x"}', {}, "debug"),
        ('{"severity":"warning"}', {}, "warn"),
        ("no level here", {}, "info"),
        ("ERROR but the shipper knows", {"log": {"level": "info"}}, "info"),
    ],
)
def test_levels(message: str, extra: dict[str, Any], level: str) -> None:
    assert parse(event(message, {}, **extra), 0, 0).level == level


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b'{"message": "no timestamp"}',
        b'{"@timestamp": "yesterday", "message": ""}',
    ],
)
def test_malformed_records_are_refused_with_a_reason(raw: bytes) -> None:
    with pytest.raises(Malformed):
        parse(raw, 0, 0)
