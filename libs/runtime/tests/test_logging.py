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

from flotilla_runtime.logging import RepeatLimit, RequestIdMiddleware, configure_logging


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


def test_aiokafka_retry_records_are_one_line_per_half_minute(json_logs: io.StringIO) -> None:
    """A broker outage makes aiokafka log each retry (every 100 ms, per client): one record of
    a kind gets through per 30 s, and the next says how many were held back. Other loggers,
    and other kinds of aiokafka record, are not held back."""
    kafka = logging.getLogger("aiokafka")
    for _ in range(50):
        kafka.error("Unable connect to node with id %s: %s", 1, "Connection refused")
    kafka.error("Unable to update metadata from %s", [1])
    for _ in range(3):
        logging.getLogger("stdlib").warning("plain %s", "again")
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line]
    events = [e["event"] for e in lines]
    assert events.count("Unable connect to node with id 1: Connection refused") == 1
    assert events.count("Unable to update metadata from [1]") == 1
    assert events.count("plain again") == 3
    handler = logging.getLogger().handlers[0]
    limit = next(f for f in handler.filters if isinstance(f, RepeatLimit))
    later = logging.LogRecord(
        "aiokafka", logging.ERROR, "x", 1, "Unable connect to node with id %s: %s", (1, "no"), None
    )
    later.created += 31  # half a minute later: through, counting what was held back
    assert limit.filter(later)
    assert later.getMessage() == (
        "Unable connect to node with id 1: no (and 49 more like it in the last 30 s)"
    )
