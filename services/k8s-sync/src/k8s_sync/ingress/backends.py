"""The backends of one HAProxy instance as last read back, and the passes that change them.

A pass takes every dirty backend at once, in at most four pipelined round trips however many
there are: read back those asked to be looked at again, the sessions of draining slots, every
plan's commands together (k8s_sync.sync.plan), then read back only the slots those commands
touched and compare — a difference is a failure of that backend, retried with backoff (0.2 s
doubling to 10 s) and reported once per streak. A backend whose served set did not change (a
pod not ready yet joined a slice) costs no round trip at all.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from k8s_sync.ingress.haproxy import HAProxyCommandError, HAProxyRuntime, ServerState, succeeded
from k8s_sync.metrics import APPLIED, FAILED, PROPAGATION, SERVERS
from k8s_sync.sync.desired import Endpoint
from k8s_sync.sync.plan import Key, Plan, plan_backend, unapplied
from k8s_sync.sync.routes import RouteTable

log = structlog.get_logger(__name__)


class DesiredState(Protocol):
    """What the engine offers an instance: the routes and each backend's endpoints."""

    @property
    def routes(self) -> RouteTable: ...

    def desired(self, backend: str) -> list[Endpoint]: ...

    def stale_clusters(self) -> frozenset[str]: ...

    def unlisted_clusters(self) -> frozenset[str]: ...

    @property
    def routes_complete(self) -> bool:
        """Every input of the route table was read since this process started (the cluster
        list, the environments, every cluster's Services): until then a route or backend
        missing from it may only not be known yet, and nothing is removed for lacking one."""
        ...

    def record_lag(self, cluster: str, lag_s: float) -> None: ...


class ReadBackMismatch(HAProxyCommandError):
    """HAProxy accepted a batch, but reading the backend back shows something else."""


Signature = frozenset[tuple[object, ...]]


@dataclass
class BackendState:
    actual: list[ServerState] = field(default_factory=list)  # last read back
    short: int = 0  # ready endpoints that found no free slot
    seen: dict[str, float] = field(default_factory=dict)  # cluster → first unapplied change
    attempts: int = 0
    retry_at: float = 0.0
    # What was last applied and read back, as the plan sees it: a change that leaves this
    # the same (a pod that is not ready yet joined a slice) needs no round trip to HAProxy.
    signature: Signature | None = None


@dataclass
class _Work:
    """One dirty backend in a pass: what it should serve, and its plan once made."""

    backend: str
    desired: list[Endpoint]
    signature: Signature | None = None
    allow_empty: bool = False
    plan: Plan | None = None

    @property
    def commands(self) -> list[str]:
        return self.plan.commands if self.plan else []

    def touched(self) -> set[str]:
        """Slots the plan's commands name (`set server <backend>/<slot> ...`)."""
        return {c.split(maxsplit=3)[2].rpartition("/")[2] for c in self.commands}


class InstanceBackends:
    """Every backend of one instance (`ingress`): what it holds, what must change, failures.

    `on_synced(backend, readback)` after a backend is applied and read back;
    `on_failed(backend, reason)` once per streak of failures."""

    def __init__(
        self,
        ingress: str,
        runtime: HAProxyRuntime,
        *,
        on_synced: Callable[[str, list[ServerState]], Awaitable[None]],
        on_failed: Callable[[str, str], Awaitable[None]],
    ) -> None:
        self.ingress = ingress
        self.runtime = runtime
        self.on_synced = on_synced
        self.on_failed = on_failed
        self.states: dict[str, BackendState] = {}
        self.dirty: set[str] = set()
        self.allow_empty: set[str] = set()
        self.draining: set[str] = set()
        self.failures: dict[str, str] = {}  # backend → why its last apply failed
        self.applied_batches = 0
        # Set when a backend's shortage of slots changed: the layout must be looked at again.
        self.short_changed = False

    def state(self, backend: str) -> BackendState:
        state = self.states.get(backend)
        if state is None:
            state = self.states[backend] = BackendState()
        return state

    def mark(
        self, backends: set[str], *, allow_empty: bool, cluster: str | None, at: float
    ) -> None:
        self.dirty |= backends
        if allow_empty:
            self.allow_empty |= backends
        if cluster is not None:
            for backend in backends:
                self.state(backend).seen.setdefault(cluster, at)

    def reread(self, backends: Iterable[str]) -> None:
        """Plan these against HAProxy's state even if nothing desired changed."""
        backends = set(backends)
        for backend in backends:
            self.state(backend).signature = None
        self.dirty |= backends

    def last_read(self, backends: Iterable[str]) -> dict[tuple[str, str], ServerState]:
        return {(s.backend, s.name): s for b in backends for s in self.state(b).actual}

    def next_retry(self, now: float) -> list[float]:
        """When backing-off dirty backends may be tried again (those still in the future)."""
        retries = (self.states[b].retry_at for b in self.dirty if b in self.states)
        return [t for t in retries if t > now]

    def need(self, backend: str, desired: DesiredState) -> int:
        """Slots the backend needs: its endpoints, and no fewer than it occupies and lacks."""
        state = self.states.get(backend)
        wanted = sum(1 for e in desired.desired(backend) if e.desired_state is not None)
        if state is None:
            return max(1, wanted)
        occupied = sum(1 for s in state.actual if s.state != "maint")
        return max(1, wanted, occupied + state.short)

    def highest_used(self, backend: str) -> int:
        state = self.states.get(backend)
        used = [s.server_id for s in state.actual if s.state != "maint"] if state else []
        return max(used, default=0)

    def used_slots(self, backends: Iterable[str]) -> int:
        return sum(1 for b in backends for s in self.state(b).actual if s.state != "maint")

    def after_reload(self, backends: Iterable[str]) -> None:
        """A new layout runs: every backend is read again, shortages are counted afresh."""
        self.reread(backends)
        for state in self.states.values():
            state.short = 0

    async def report_failure(self, backend: str, reason: str) -> None:
        first = backend not in self.failures
        self.failures[backend] = reason
        if first:
            await self.on_failed(backend, reason)

    # --- a pass -----------------------------------------------------------------------------

    async def apply_dirty(self, desired: DesiredState, layout: set[str]) -> None:
        """Apply every dirty backend of `layout` (the rest are being created, or gone).
        HAProxyError (the instance unreachable or stalled) propagates, the work kept dirty."""
        dirty, self.dirty = self.dirty, set()
        allow, self.allow_empty = self.allow_empty, set()
        routed = desired.routes.backends()
        complete = desired.routes_complete
        stale = desired.stale_clusters() | desired.unlisted_clusters()
        if not complete:  # part of the signature: completing the routes re-plans the backend
            stale |= {"(routes not read yet)"}
        now = time.monotonic()
        batch = []
        for backend in sorted(dirty & layout):
            state = self.state(backend)
            if state.retry_at > now:
                self.dirty.add(backend)  # backing off after a failure
                if backend in allow:
                    self.allow_empty.add(backend)
                continue
            work = _Work(backend, desired.desired(backend))
            work.signature = _signature(work.desired, stale)
            if (
                state.signature is None
                or state.short
                or backend in self.draining
                or backend in self.failures
                or state.signature != work.signature
            ):
                # A backend whose route is gone (no Service left, a gray stage ended) may empty
                # (not one whose route may only be unknown yet).
                work.allow_empty = backend in allow or (complete and backend not in routed)
                batch.append(work)
            else:
                state.seen.clear()  # nothing the ingress serves changed
        if not batch:
            return
        try:
            await self._apply_batch(batch, desired)
        except Exception:
            for work in batch:
                self.dirty.add(work.backend)
                if work.allow_empty and work.backend in allow:
                    self.allow_empty.add(work.backend)
            raise

    async def _apply_batch(self, batch: list[_Work], desired: DesiredState) -> None:
        # Plan against the last read back unless asked to look again: k8s-sync is the only
        # writer, every batch is read back after it is sent, and the drift check reads
        # everything on its period — so a read before planning would find nothing new.
        reread = [w.backend for w in batch if self.state(w.backend).signature is None]
        actuals: dict[str, list[ServerState] | HAProxyCommandError] = {
            w.backend: self.state(w.backend).actual for w in batch
        }
        if reread:
            actuals.update(await self.runtime.servers_of(reread, previous=self.last_read(reread)))
        draining = {
            b: {s.name for s in a if s.state == "drain"}
            for b, a in actuals.items()
            if isinstance(a, list) and any(s.state == "drain" for s in a)
        }
        sessions = (
            await self.runtime.connections_of(list(draining), only=draining) if draining else {}
        )
        planned: list[_Work] = []
        for work in batch:
            actual = actuals[work.backend]
            if isinstance(actual, HAProxyCommandError):
                await self._failed(work.backend, actual, work.desired)
                continue
            work.plan = self._plan(work, actual, sessions.get(work.backend, {}), desired)
            if work.plan is None:
                continue
            if work.plan.empty:
                self._succeeded(work, actual, desired)
            else:
                planned.append(work)
        if planned:
            await self._send(planned, actuals, desired)

    async def _send(
        self,
        planned: list[_Work],
        actuals: dict[str, list[ServerState] | HAProxyCommandError],
        desired: DesiredState,
    ) -> None:
        commands = [c for w in planned for c in w.commands]
        replies = await self.runtime.execute(commands)
        sent, at = [], 0
        for work in planned:
            mine, at = replies[at : at + len(work.commands)], at + len(work.commands)
            refused = [
                HAProxyCommandError(c, r)
                for c, r in zip(work.commands, mine, strict=True)
                if not succeeded(c, r)
            ]
            if refused:
                await self._failed(work.backend, refused[0], work.desired)
            else:
                sent.append(work)
        # Read back only the slots the batch touched; the others are as last read.
        touched = {w.backend: w.touched() for w in sent}
        readbacks = await self.runtime.servers_of(list(touched), only=touched) if sent else {}
        for work in sent:
            rows = readbacks[work.backend]
            before = actuals[work.backend]
            assert work.plan is not None
            assert isinstance(before, list)
            if isinstance(rows, HAProxyCommandError):
                await self._failed(work.backend, rows, work.desired)
                continue
            fresh = {r.name: r for r in rows}
            readback = [fresh.get(s.name, s) for s in before]
            if wrong := unapplied(work.plan, readback):
                await self._failed(
                    work.backend,
                    ReadBackMismatch(
                        f"batch on {work.backend}",
                        f"read back differs from the batch applied: {wrong}",
                    ),
                    work.desired,
                )
                continue
            self.applied_batches += 1
            APPLIED.labels(self.ingress, work.backend).inc()
            self._succeeded(work, readback, desired)
            if work.plan.drained:
                self.draining.add(work.backend)
            if work.plan.freed and work.plan.missing:
                self.dirty.add(work.backend)  # endpoints were waiting for these slots: at once
            await self.on_synced(work.backend, readback)

    def _plan(
        self,
        work: _Work,
        actual: list[ServerState],
        sessions: dict[str, int],
        desired: DesiredState,
    ) -> Plan | None:
        """The backend's plan, or None when it is refused (it would empty a serving backend)."""
        backend = work.backend
        state = self.state(backend)
        plan = plan_backend(
            backend,
            work.desired,
            actual,
            sessions=sessions,
            stale=_left_alone(actual, work.desired, desired),
            allow_empty=work.allow_empty,
        )
        state.actual = actual
        if plan.missing != state.short:
            state.short = plan.missing
            self.short_changed = True
            if plan.missing:
                log.info(
                    "ingress_slots_short",
                    ingress=self.ingress,
                    backend=backend,
                    missing=plan.missing,
                )
        if plan.refused:
            log.warning("sync_refused", ingress=self.ingress, backend=backend, reason=plan.refused)
            return None
        return plan

    def _succeeded(self, work: _Work, readback: list[ServerState], desired: DesiredState) -> None:
        """The backend is applied and read back: record it and how long its changes took."""
        backend = work.backend
        state = self.state(backend)
        state.actual = readback
        state.attempts, state.retry_at = 0, 0.0
        state.signature = work.signature
        self.failures.pop(backend, None)
        counts = Counter(s.state for s in readback)
        if not counts["drain"]:
            self.draining.discard(backend)
        now = time.monotonic()
        for cluster, seen in state.seen.items():
            PROPAGATION.labels(cluster).observe(now - seen)
            desired.record_lag(cluster, now - seen)
        state.seen.clear()
        for name in ("ready", "drain", "maint"):
            SERVERS.labels(self.ingress, backend, name).set(counts[name])

    async def _failed(
        self, backend: str, exc: HAProxyCommandError, desired: list[Endpoint]
    ) -> None:
        """Retry with exponential backoff (0.2 s doubling to 10 s); report once per streak."""
        state = self.state(backend)
        state.signature = None  # read it back before planning again
        state.attempts += 1
        state.retry_at = time.monotonic() + min(10.0, 0.2 * 2 ** (state.attempts - 1))
        self.dirty.add(backend)
        for cluster in {e.cluster for e in desired} or {"unknown"}:
            FAILED.labels(self.ingress, cluster).inc()
        log.warning(
            "sync_failed",
            ingress=self.ingress,
            backend=backend,
            attempts=state.attempts,
            error=str(exc)[:300],
        )
        await self.report_failure(backend, str(exc))


def _signature(desired: list[Endpoint], stale: frozenset[str]) -> Signature:
    return frozenset(
        [(e.address, e.port, e.desired_state, e.weight) for e in desired if e.desired_state]
        + [("stale", c) for c in stale]
    )


def _left_alone(
    actual: list[ServerState], endpoints: list[Endpoint], desired: DesiredState
) -> frozenset[Key]:
    """Slots no plan may touch: those of stale clusters (their views keep the endpoints they
    last listed), and — while some cluster was never listed since this process started, or
    the route table's inputs were not all read yet — those no view explains (they may be that
    cluster's). A pod that left a cluster before it went stale is not kept: it was leaving
    anyway."""
    stale = desired.stale_clusters()
    unlisted = desired.unlisted_clusters() or not desired.routes_complete
    if not stale and not unlisted:
        return frozenset()
    known = {(e.address, e.port): e.cluster for e in endpoints}
    left = {key for key, cluster in known.items() if cluster in stale}
    if unlisted:
        left |= {
            key
            for slot in actual
            if slot.state != "maint" and (key := (slot.address, slot.port)) not in known
        }
    return frozenset(left)
