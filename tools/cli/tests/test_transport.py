"""Server-Sent Events parsing and problem+json rendering (logic only; the e2e tests in
tests/test_cli.py run it against the services)."""

from __future__ import annotations

import httpx

from flotilla_cli.errors import Exit
from flotilla_cli.transport import Event, parse_sse, problem_error


def test_events_are_parsed_as_the_stream_sends_them() -> None:
    lines = [
        ": keep-alive",
        "",
        "id: 7",
        "event: io.flotilla.rollout.phase_changed",
        'data: {"cluster": "a1",',
        'data:  "phase": "applying"}',
        "",
        "retry: 500",
        "id: 8",
        "data: not json",
        "",
    ]
    assert list(parse_sse(iter(lines))) == [
        Event("7", "io.flotilla.rollout.phase_changed", {"cluster": "a1", "phase": "applying"}),
        Event("8", "message", "not json"),
    ]


def _problem(status: int, body: dict[str, object], **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json=body, headers={"content-type": "application/problem+json", **headers}
    )


def test_problems_become_one_line_with_field_errors_and_an_exit_code() -> None:
    error = problem_error(
        "release-api",
        _problem(
            422,
            {
                "title": "Request failed validation",
                "detail": "invalid: body.name",
                "errors": [{"loc": "body.name", "msg": "String should match pattern"}],
            },
        ),
    )
    assert error.message == "Request failed validation: invalid: body.name"
    assert error.hints == ("body.name: String should match pattern",)
    assert error.code == Exit.FAILED

    expired = problem_error(
        "release-api",
        _problem(401, {"title": "Authentication required", "detail": "token expired"}),
    )
    assert expired.code == Exit.DENIED
    assert "token expired" in expired.message
    assert "flotilla login" in expired.hints[0]

    busy = problem_error(
        "k8s-sync", _problem(503, {"title": "Unavailable"}, **{"retry-after": "2"})
    )
    assert busy.code == Exit.UNREACHABLE
    assert busy.hints == ("nothing was changed; retry in 2 s",)

    assert problem_error("x", _problem(404, {"title": "Not found"})).code == Exit.DENIED
    plain = problem_error("x", httpx.Response(502, text="bad gateway"))
    assert plain.message == "x answered 502 Bad Gateway"
