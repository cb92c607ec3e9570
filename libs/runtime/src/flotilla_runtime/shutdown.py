"""Graceful shutdown: what a replica does between SIGTERM and its exit.

Kubernetes sends SIGTERM and takes the pod out of its Service's endpoints at about the same
time. On the signal uvicorn stops accepting connections, waits up to `SHUTDOWN_TIMEOUT_S` for
the open ones to finish, then runs the lifespan's shutdown, which cancels the workers. Left at
that, an event stream (SSE) would hold its connection until the timeout and then be cut without
a word, and a leader's work (release-api's rollouts) would wait out the timeout before another
replica could take it over.

`Draining` is set the moment the signal arrives, before uvicorn starts waiting:
- `/readyz` answers 503 with `draining` failing, so nothing new is routed here;
- event streams send a last `reconnect` event (with `retry:`) and end, so a client resumes on
  another replica at once, from its `Last-Event-ID`;
- a worker that leads hands over: release-api's runner lets the steps under way finish (a step
  is never cut in half, so nothing is applied twice), starts no new one and lets go of its
  leader lock, which another replica takes on its next check.
uvicorn's own wait then drains the requests in flight, and the lifespan stops what is left.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from types import FrameType
from typing import Any, TypeVar

import structlog
import uvicorn

log = structlog.get_logger(__name__)
T = TypeVar("T")

# The last event of a stream that ends because its replica is shutting down, and how long an
# EventSource waits before it reconnects (SSE's `retry:` field, in milliseconds).
RECONNECT_EVENT = "reconnect"
RECONNECT_AFTER_MS = 500


class Draining:
    """Set once, when the process was asked to stop; read by endpoints and workers."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop `begin()` wakes (the lifespan's)."""
        self._loop = loop

    def begin(self) -> None:
        """Start draining. Safe from a signal handler or another thread."""
        if self._event.is_set():
            return
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._set)
        else:
            self._set()

    def _set(self) -> None:
        if not self._event.is_set():
            log.info("draining")
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    async def wait(self) -> None:
        await self._event.wait()

    async def unless(self, wait: Coroutine[Any, Any, T]) -> T | None:
        """`wait`'s answer, or None once draining begins (`wait` is cancelled then: only a
        wait that changes nothing belongs here)."""
        task = asyncio.ensure_future(wait)
        drained = asyncio.ensure_future(self._event.wait())
        try:
            await asyncio.wait({task, drained}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            drained.cancel()
            if not task.done():
                task.cancel()
            await asyncio.gather(task, drained, return_exceptions=True)
        if task.cancelled():
            return None
        return task.result()

    async def check(self) -> None:
        """Readiness check: failing while draining."""
        if self._event.is_set():
            raise RuntimeError("shutting down: draining")

    def reconnect_event(self, last_event_id: int | None = None) -> bytes:
        """The SSE event a stream ends with when this replica shuts down."""
        data = '{"reason": "this replica is shutting down; reconnect to resume"}'
        ident = f"id: {last_event_id}\n" if last_event_id else ""
        return (
            f"{ident}event: {RECONNECT_EVENT}\nretry: {RECONNECT_AFTER_MS}\ndata: {data}\n\n"
        ).encode()


class DrainingServer(uvicorn.Server):
    """uvicorn's server, which starts `draining` when a stop signal arrives."""

    def __init__(self, config: uvicorn.Config, draining: Draining) -> None:
        super().__init__(config)
        self._draining = draining

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig in (signal.SIGTERM, signal.SIGINT):
            self._draining.begin()
        super().handle_exit(sig, frame)
