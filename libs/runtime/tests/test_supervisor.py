"""Supervised workers: a crash is logged at once, fails readiness, stops the process."""

from __future__ import annotations

import asyncio

import pytest
from structlog.testing import capture_logs

from flotilla_runtime.supervisor import Supervisor


class Crashes:
    name = "crasher"

    async def run(self) -> None:
        await asyncio.sleep(0.05)
        raise ValueError("boom")


class Loops:
    name = "looper"

    def __init__(self) -> None:
        self.cancelled = False

    async def run(self) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


class Returns:
    name = "returner"

    async def run(self) -> None:
        return None


class Stubborn:
    """Ignores the first cancellation, as a worker stuck in cleanup would."""

    name = "stubborn"

    async def run(self) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0.5)


async def test_crash_is_logged_marks_unhealthy_and_requests_stop() -> None:
    stops: list[tuple[str, str]] = []
    looper = Loops()
    supervisor = Supervisor(
        [Crashes(), looper], on_crash=lambda name, exc: stops.append((name, repr(exc)))
    )
    with capture_logs() as logs:
        await supervisor.start()
        healthy_at_start = supervisor.healthy
        await asyncio.sleep(0.2)
        assert healthy_at_start
        assert not supervisor.healthy
        assert stops == [("crasher", "ValueError('boom')")]
        assert any(e["event"] == "worker_crashed" and e["worker"] == "crasher" for e in logs)
        await supervisor.stop()
    assert looper.cancelled


async def test_a_worker_that_returns_counts_as_crashed() -> None:
    stops: list[str] = []
    supervisor = Supervisor([Returns()], on_crash=lambda name, exc: stops.append(name))
    await supervisor.start()
    await asyncio.sleep(0.05)
    await supervisor.stop()
    assert stops == ["returner"]
    assert "returner" in supervisor.crashed


async def test_shutdown_deadline_names_stuck_workers() -> None:
    supervisor = Supervisor([Stubborn()], on_crash=lambda *_: None, shutdown_timeout_s=0.1)
    await supervisor.start()
    await asyncio.sleep(0.01)
    with capture_logs() as logs:
        await supervisor.stop()
    stuck = [e for e in logs if e["event"] == "workers_stuck_at_shutdown"]
    assert stuck
    assert stuck[0]["workers"] == ["worker:stubborn"]
    await asyncio.sleep(0.6)  # let the stubborn worker finish before the leak check


def test_worker_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="unique"):
        Supervisor([Loops(), Loops()])
