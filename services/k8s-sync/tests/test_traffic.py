"""The ingress's request log, counted per app, cluster and stage (k8s_sync.ingress.traffic)."""

from __future__ import annotations

from k8s_sync.ingress.traffic import DURATION, RESPONSES, TrafficCounter, code_class


def _value(app: str, cluster: str, stage: str, code: str) -> float:
    return float(RESPONSES.labels(app, "prod", cluster, stage, code)._value.get())


def test_lines_are_attributed_by_the_answering_address() -> None:
    endpoints = {
        "tr.prod": [("127.1.0.5", 8080, "a1", "stable"), ("127.2.0.5", 8080, "b1", "gray")],
        "tr.prod:gray": [("127.2.0.5", 8080, "b1", "gray")],
    }
    counter = TrafficCounter(lambda backend: endpoints.get(backend, []))
    before = _value("tr", "a1", "stable", "5xx")
    assert counter.line("tr.prod 127.1.0.5 8080 503 12") == "counted"
    assert counter.line("tr.prod 127.2.0.5 8080 200 300") == "counted"
    assert counter.line("tr.prod:gray 127.2.0.5 8080 200 1") == "counted"
    assert counter.line("tr.prod - - 503 0") == "unattributed"  # HAProxy answered itself
    assert counter.line("flotilla-no-route - - 404 0") == "ignored"
    assert counter.line("Proxy flotilla-ingress stopped (cumulated conns: FE: 1).") == "ignored"
    assert counter.line("tr.prod 127.1.0.5 x 200") == "malformed"
    assert _value("tr", "a1", "stable", "5xx") == before + 1
    assert _value("tr", "b1", "gray", "2xx") >= 2
    assert _value("tr", "", "", "5xx") >= 1
    assert DURATION.labels("tr", "prod", "b1", "gray")._sum.get() >= 0.301


def test_status_classes() -> None:
    assert [code_class(s) for s in ("200", "404", "503", "-1", "999")] == [
        "2xx",
        "4xx",
        "5xx",
        "other",
        "other",
    ]
