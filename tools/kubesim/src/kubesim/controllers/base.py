"""Work queue and reconcile loop shared by the controllers (client-go's pattern, in small)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubesim.protocols import SimCluster
    from kubesim.store import Obj

log = logging.getLogger("kubesim")

Key = tuple[str, str]  # (namespace, name)


class Controller:
    """Reconciles keys one at a time; a key queued again while queued is merged."""

    name = "controller"

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self._queue: asyncio.Queue[Key] = asyncio.Queue()
        self._queued: set[Key] = set()
        self._timers: dict[Key, asyncio.TimerHandle] = {}

    def enqueue(self, key: Key) -> None:
        if key not in self._queued:
            self._queued.add(key)
            self._queue.put_nowait(key)

    def enqueue_after(self, key: Key, delay_s: float) -> None:
        """Reconcile `key` again after `delay_s` (the earliest request wins)."""
        loop = asyncio.get_running_loop()
        when = loop.time() + max(0.0, delay_s)
        timer = self._timers.get(key)
        if timer is not None and not timer.cancelled() and timer.when() <= when:
            return
        if timer is not None:
            timer.cancel()
        self._timers[key] = loop.call_at(when, self._fire, key)

    def _fire(self, key: Key) -> None:
        self._timers.pop(key, None)
        self.enqueue(key)

    async def run(self) -> None:
        while True:
            key = await self._queue.get()
            # admin `controllers`: a knob (reset with the others), looked at as they all are
            while self.name in self.cluster.knobs.stopped_controllers:  # noqa: ASYNC110
                await asyncio.sleep(0.1)  # what changes meanwhile merges into the queue
            self._queued.discard(key)
            try:
                self.reconcile(key)
            except Exception:  # a controller bug must not stop the simulation
                log.exception("reconcile failed: controller=%s key=%s", self.name, key)
            if self._queue.empty():
                await asyncio.sleep(0)  # let API requests in between bursts

    def on_event(self, type_: str, rt: Any, obj: Obj, old: Obj | None) -> None:
        """Map a change in the store to the keys this controller must reconcile."""

    def reconcile(self, key: Key) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
