"""The rollout runner steps a rollout only while its replica leads (logic only: the steps are a
stand-in that counts; the real ones run in tests/test_release_e2e.py and tests/faults)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

from release_api.clients import Clusters, IngressSync
from release_api.models import Release, Rollout
from release_api.workers.rollouts import RolloutRunner


class CountingSteps:
    """A rollout in waiting-ready that never gets ready: every step is one more look."""

    def __init__(self) -> None:
        self.steps = 0
        self.stepping = asyncio.Event()  # set at the second step

    async def load(self, rollout_id: int) -> tuple[Release, Rollout, str]:
        release = Release(id=uuid.uuid4(), app="web", env="prod", phase="running", options={})
        rollout = Rollout(id=rollout_id, cluster="idc-a-1", phase="waiting-ready", progress={})
        return release, rollout, "python"

    async def step(self, *args: Any) -> bool:
        self.steps += 1
        if self.steps >= 2:
            self.stepping.set()
        return False


async def test_a_replica_that_stops_leading_stops_stepping_its_rollouts() -> None:
    """Leadership moved (the database restarted and another replica took the lock): the
    rollouts this replica had started end after the step under way, so that only the new
    leader steps them — two replicas stepping one rollout race on its Deployment."""
    leading = True
    runner = RolloutRunner(
        cast(Any, None),
        cast(Clusters, None),
        cast(IngressSync, None),
        drain_s=0,
        is_leader=lambda: leading,
    )
    steps = CountingSteps()
    runner._steps = cast(Any, steps)
    runner._tasks[7] = task = asyncio.create_task(runner._drive(7))
    await asyncio.wait_for(steps.stepping.wait(), timeout=5)
    leading = False
    await asyncio.wait_for(task, timeout=3)  # IDLE_SLEEP_S is 0.5 s between looks
    assert 7 not in runner._tasks
    stepped = steps.steps
    await asyncio.sleep(0.6)
    assert steps.steps == stepped
