"""What the status and wait endpoints read from HAProxy, shared and bounded.

Each instance has one runtime-API connection, and the sync loop needs it. A status read per
request — and `wait` polls — would let callers hold it busy: a thousand waiters polling every
50 ms is 20,000 `show servers state` a second. So reads are shared: all callers asking about a
backend on an instance within `max_age_s` get the same answer, from one query (at most
1/max_age_s queries per backend and instance, however many wait). And a caller may hold only
`per_caller` waits at once, the replica `total` (429 with Retry-After beyond that).

The answer is HAProxy's own state read back, not what k8s-sync believes it applied: followers
apply nothing and must still answer truthfully, and a wait must not confirm what HAProxy does
not serve.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flotilla_runtime.errors import TooManyRequests
from k8s_sync.ingress.haproxy import ServerState
from k8s_sync.ingress.instance import IngressInstance

Key = tuple[str, str]  # (ingress, backend)


class SharedReads:
    """`show servers state <backend>` per instance, shared by every caller within max_age_s."""

    def __init__(
        self,
        *,
        max_age_s: float = 0.1,
        size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self.size = size
        self._done: OrderedDict[Key, tuple[float, list[ServerState]]] = OrderedDict()
        self._running: dict[Key, asyncio.Task[list[ServerState]]] = {}

    async def servers(self, instance: IngressInstance, backend: str) -> list[ServerState]:
        key = (instance.ingress, backend)
        done = self._done.get(key)
        if done is not None and self._clock() - done[0] < self.max_age_s:
            return done[1]
        task = self._running.get(key)
        if task is None:
            task = self._running[key] = asyncio.create_task(self._read(instance, backend, key))
        return await asyncio.shield(task)  # one caller going away does not cancel the others'

    async def _read(self, instance: IngressInstance, backend: str, key: Key) -> list[ServerState]:
        try:
            servers = await instance.runtime.servers(backend)
            self._done[key] = (self._clock(), servers)
            self._done.move_to_end(key)
            while len(self._done) > self.size:
                self._done.popitem(last=False)
            return servers
        finally:
            self._running.pop(key, None)


class WaitLimits:
    """How many waits one caller (a token's subject), and the replica, hold at once."""

    def __init__(self, *, per_caller: int = 16, total: int = 512) -> None:
        self.per_caller = per_caller
        self.total = total
        self._held: Counter[str] = Counter()

    @contextmanager
    def hold(self, caller: str) -> Iterator[None]:
        if self._held[caller] >= self.per_caller:
            raise TooManyRequests(
                f"{caller} has {self.per_caller} waits open already; wait for one to finish"
            )
        if sum(self._held.values()) >= self.total:
            raise TooManyRequests(f"this replica holds {self.total} waits; try again shortly")
        self._held[caller] += 1
        try:
            yield
        finally:
            self._held[caller] -= 1
            if not self._held[caller]:
                del self._held[caller]
