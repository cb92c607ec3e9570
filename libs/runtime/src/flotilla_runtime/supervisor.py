"""Supervision of long-running workers (after kopf's reactor).

A worker is any object with a `name` and `async def run()` that loops until cancelled. The
supervisor starts each as a task; a worker that crashes (or returns) is logged at once, makes the
service unhealthy (`/readyz` fails) and asks the process to stop, because uvicorn keeps serving
when a background task dies (Kludex/uvicorn#2308). `stop()` cancels every worker and waits up to
a deadline, naming the ones that did not finish.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Sequence
from typing import Protocol

import structlog

from flotilla_runtime.metrics import WORKER_UP

log = structlog.get_logger(__name__)


class Worker(Protocol):
    name: str

    async def run(self) -> None: ...


def stop_process(worker: str, error: BaseException) -> None:
    """Default crash action: SIGTERM ourselves so uvicorn shuts down through the lifespan."""
    signal.raise_signal(signal.SIGTERM) if os.name == "posix" else os._exit(1)


class Supervisor:
    def __init__(
        self,
        workers: Sequence[Worker],
        *,
        on_crash: Callable[[str, BaseException], None] = stop_process,
        shutdown_timeout_s: float = 10.0,
    ) -> None:
        names = [w.name for w in workers]
        if len(set(names)) != len(names):
            raise ValueError(f"worker names must be unique: {names}")
        self._workers = list(workers)
        self._on_crash = on_crash
        self._shutdown_timeout_s = shutdown_timeout_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self.crashed: dict[str, BaseException] = {}

    @property
    def healthy(self) -> bool:
        return not self.crashed

    async def start(self) -> None:
        for worker in self._workers:
            task = asyncio.create_task(self._run(worker), name=f"worker:{worker.name}")
            self._tasks[worker.name] = task
        log.info("workers_started", workers=list(self._tasks))

    async def _run(self, worker: Worker) -> None:
        WORKER_UP.labels(worker.name).set(1)
        try:
            await worker.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._crashed(worker.name, exc)
        else:
            if not self._stopping:
                self._crashed(worker.name, RuntimeError("worker returned; workers must loop"))
        finally:
            WORKER_UP.labels(worker.name).set(0)

    def _crashed(self, name: str, exc: BaseException) -> None:
        self.crashed[name] = exc
        log.error("worker_crashed", worker=name, error=repr(exc), exc_info=exc)
        if not self._stopping:
            self._on_crash(name, exc)

    async def stop(self) -> None:
        self._stopping = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=self._shutdown_timeout_s)
        if pending:
            stuck = sorted(t.get_name() for t in pending)
            log.error(
                "workers_stuck_at_shutdown", workers=stuck, deadline_s=self._shutdown_timeout_s
            )
        else:
            log.info("workers_stopped", workers=list(self._tasks))
