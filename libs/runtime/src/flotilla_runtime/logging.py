"""structlog setup: JSON lines off a terminal, key=value on one; stdlib logs go through it."""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any, Literal, TextIO

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record is emitted, not the object it was when
    logging was configured: a caller that swaps stderr (pytest's capture, a daemonising
    wrapper) and closes the old one must not turn every later record into a logging error."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def configure_logging(
    *,
    level: str = "info",
    fmt: Literal["auto", "json", "console"] = "auto",
    service: str = "",
    stream: TextIO | None = None,
) -> None:
    """Route structlog and stdlib logging to stderr (or `stream`) in one format. Idempotent."""
    stream = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    if service:
        shared.insert(0, _add_service(service))
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if use_json else _keep,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream) if stream is not sys.stderr else _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn installs its own handlers; make them propagate to ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    kafka = logging.getLogger("aiokafka")
    kafka.setLevel(max(logging.WARNING, root.level))
    if not any(isinstance(f, RepeatLimit) for f in handler.filters):
        handler.addFilter(RepeatLimit(prefix="aiokafka"))


class RepeatLimit(logging.Filter):
    """At most one record per `every_s` for each message template of loggers under `prefix`;
    the next one let through says how many were held back (`repeated`).

    aiokafka logs each retry of a lost broker connection — every `retry_backoff_ms` (100 ms),
    three records a time, per client (measured: ~30 lines a second per service during the
    fault suite's broker outage). A broker outage is a metric (`flotilla_dependency_up`) and
    a line now and then, not a flood that buries everything else."""

    def __init__(self, *, prefix: str, every_s: float = 30.0) -> None:
        super().__init__()
        self._prefix = prefix
        self._every_s = every_s
        self._last: dict[tuple[str, str], tuple[float, int]] = {}  # (logger, msg) → (at, held)

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self._prefix):
            return True
        key = (record.name, str(record.msg))
        at, held = self._last.get(key, (float("-inf"), 0))
        if record.created - at < self._every_s:
            self._last[key] = (at, held + 1)
            return False
        self._last[key] = (record.created, 0)
        if held:
            record.msg = f"{record.msg} (and {held} more like it in the last {self._every_s:g} s)"
        return True


def _add_service(service: str) -> structlog.types.Processor:
    def add(_: Any, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
        event.setdefault("service", service)
        return event

    return add


def _keep(_: Any, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    return event


class RequestIdMiddleware:
    """Takes X-Request-ID from the request (or makes one), binds it to logs, echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, REQUEST_ID_HEADER) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_with_id)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            text: str = value.decode("latin-1")[:128]
            return text if text.isprintable() else None
    return None
