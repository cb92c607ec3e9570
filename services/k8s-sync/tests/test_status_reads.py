"""Status reads of HAProxy are shared by callers, and waits are bounded (unit: a fake runtime)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from flotilla_runtime.errors import TooManyRequests
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.status.reads import SharedReads, WaitLimits


class SlowRuntime:
    def __init__(self) -> None:
        self.calls = 0

    async def servers(self, backend: str) -> list[Any]:
        self.calls += 1
        await asyncio.sleep(0.02)
        return [backend]


class FakeInstance:
    def __init__(self) -> None:
        self.ingress = "a"
        self.runtime = SlowRuntime()


async def test_a_thousand_readers_cost_one_query_per_interval() -> None:
    now = [0.0]  # the reads' clock, moved by hand: no timing in this test
    reads = SharedReads(max_age_s=0.1, clock=lambda: now[0])
    instance = FakeInstance()
    as_instance = cast(IngressInstance, instance)
    got = await asyncio.gather(*(reads.servers(as_instance, "shop.prod") for _ in range(1000)))
    assert all(cast(list[Any], g) == ["shop.prod"] for g in got)
    assert instance.runtime.calls == 1
    now[0] += 0.09
    await reads.servers(as_instance, "shop.prod")
    assert instance.runtime.calls == 1  # still fresh
    now[0] += 0.02
    await reads.servers(as_instance, "shop.prod")
    assert instance.runtime.calls == 2
    await reads.servers(as_instance, "cart.prod")
    assert instance.runtime.calls == 3  # another backend is its own read


async def test_a_reader_that_goes_away_does_not_cancel_the_others() -> None:
    reads = SharedReads()
    instance = cast(IngressInstance, FakeInstance())
    first = asyncio.create_task(reads.servers(instance, "b"))
    second = asyncio.create_task(reads.servers(instance, "b"))
    await asyncio.sleep(0)
    first.cancel()
    assert cast(list[Any], await second) == ["b"]


def test_waits_are_bounded_per_caller_and_in_total() -> None:
    limits = WaitLimits(per_caller=2, total=3)
    with limits.hold("a"), limits.hold("a"):
        with pytest.raises(TooManyRequests), limits.hold("a"):
            pass
        with limits.hold("b"):
            with pytest.raises(TooManyRequests, match="replica"), limits.hold("c"):
                pass
    with limits.hold("a"), limits.hold("a"):  # released
        pass
