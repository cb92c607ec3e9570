"""Logs are one JSON object per line off a terminal, with the request id bound."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import structlog
from fastapi import FastAPI

from flotilla_runtime.logging import RequestIdMiddleware, configure_logging


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(fmt="json", service="svc", stream=stream)
    yield stream
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


async def test_json_lines_carry_service_level_and_request_id(
    json_logs: io.StringIO,
) -> None:
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware)

    @app.get("/x")
    async def x() -> dict[str, str]:
        structlog.get_logger("test").info("thing_done", cluster="idc-a")
        logging.getLogger("stdlib").warning("plain %s", "logging")
        return {}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        await c.get("/x", headers={"X-Request-ID": "req-1"})
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line]
    done = next(e for e in lines if e["event"] == "thing_done")
    assert done["cluster"] == "idc-a"
    assert done["request_id"] == "req-1"
    assert done["service"] == "svc"
    assert done["level"] == "info"
    plain = next(e for e in lines if e["event"] == "plain logging")
    assert plain["level"] == "warning"
    assert plain["request_id"] == "req-1"


def test_logs_follow_stderr_when_it_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process whose stderr is swapped and the old one closed (pytest's capture does it
    between tests) keeps logging, to the new stderr, instead of a 'Logging error' per record."""
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    configure_logging(fmt="json", service="svc")
    try:
        first.close()
        monkeypatch.setattr("sys.stderr", second)
        structlog.get_logger("test").info("after_the_swap")
        line = json.loads(second.getvalue().splitlines()[-1])
        assert line["event"] == "after_the_swap"
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
