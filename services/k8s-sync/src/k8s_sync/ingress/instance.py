"""One HAProxy instance kept in step with the desired ingress: its own loop, failures and reloads.

k8s-sync runs one of these per configured instance (an HA pair, one per IDC), each a worker of
its own, so an instance that is down, stalled or reloading never delays the others; when it
answers again it is read back and repaired in full.

What the loop does, in order, each time something changed or a timer fired:
1. `show info` every `reconcile_s`: is the instance up, which generation does it run (the
   configuration's description), did it restart (its worker pid changed) — then every backend
   is re-planned, since a cold start forgets what the runtime API set.
2. The layout (backends × slots) the route table and the endpoints need, against the running
   one: a new backend or one that ran out of slots asks for a reload after `reload_delay_s`, so
   a burst of new apps shares one; a backend that is gone or far too big only rides on the next
   reload, or on one `prune_after_s` later. A reload: render → `haproxy -c` → save the server
   state → move the symlink → `reload` on the master CLI → wait for the new worker to answer
   with the new generation → re-plan every backend. A configuration that fails the check is
   never used, reported, and not retried until the layout changes (or a minute passed).
3. Dirty backends: read back, plan (k8s_sync.sync.plan), send the batch, read back again and
   compare — a difference is a failure of that backend, retried with backoff.
4. The Host and header maps, through the runtime API (no reload), kept on disk too.
Every `drift_check_s` one `show servers state` of all backends finds drift nobody announced.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from k8s_sync.ingress import generations
from k8s_sync.ingress.config import (
    InstancePaths,
    Layout,
    backend_problem,
    map_text,
    parse_description,
    render,
    slots_for,
)
from k8s_sync.ingress.generations import ConfigInvalid, Generation
from k8s_sync.ingress.haproxy import (
    HAProxyCommandError,
    HAProxyError,
    HAProxyRuntime,
    ServerState,
    parse_servers_state,
    succeeded,
)
from k8s_sync.ingress.master import MasterCLI, MasterError
from k8s_sync.metrics import (
    APPLIED,
    BACKENDS,
    FAILED,
    GENERATION,
    PROPAGATION,
    RELOAD_SECONDS,
    RELOADS,
    RENDER_SECONDS,
    SERVERS,
    SLOTS,
    UP,
)
from k8s_sync.sync.desired import Endpoint
from k8s_sync.sync.plan import Key, Plan, plan_backend, unapplied
from k8s_sync.sync.routes import RouteTable

log = structlog.get_logger(__name__)
FAILED_LAYOUT_RETRY_S = 60.0
RELOAD_TIMEOUT_S = 30.0


class DesiredState(Protocol):
    """What the engine tells every instance (k8s_sync.sync.engine.IngressSync)."""

    @property
    def routes(self) -> RouteTable: ...

    def desired(self, backend: str) -> list[Endpoint]: ...

    def stale_clusters(self) -> frozenset[str]: ...

    def unlisted_clusters(self) -> frozenset[str]: ...

    def record_lag(self, cluster: str, lag_s: float) -> None: ...


class ReadBackMismatch(HAProxyCommandError):
    """HAProxy accepted a batch but does not show what it meant to do."""


class ReloadFailed(Exception):
    """The master did not bring up a worker running the new generation."""


@dataclass
class ReloadRecord:
    generation: int
    at: float  # epoch seconds
    duration_s: float
    outcome: str  # ok | invalid | failed
    reason: str
    error: str | None = None
    render_s: float = 0.0  # rendering the text (part of duration_s)


@dataclass
class InstanceTuning:
    slots_min: int = 8
    slots_headroom: float = 2.0
    window_s: float = 0.01
    reconcile_s: float = 1.0
    drift_check_s: float = 10.0
    reload_delay_s: float = 0.25
    prune_after_s: float = 60.0


SyncedCallback = Callable[["IngressInstance", str, list[ServerState]], Awaitable[None]]
FailedCallback = Callable[["IngressInstance", str, str], Awaitable[None]]


@dataclass
class _BackendState:
    actual: list[ServerState] = field(default_factory=list)  # last read back
    short: int = 0  # ready endpoints that found no free slot
    seen: dict[str, float] = field(default_factory=dict)  # cluster → first unapplied change
    attempts: int = 0
    retry_at: float = 0.0
    # What was last applied and read back, as the plan sees it: a change that leaves this
    # the same (a pod that is not ready yet joined a slice) needs no round trip to HAProxy.
    signature: frozenset[tuple[object, ...]] | None = None


@dataclass
class _Work:
    """One dirty backend in a pass: what it should serve, and its plan once made."""

    backend: str
    desired: list[Endpoint]
    signature: frozenset[tuple[object, ...]] | None = None
    allow_empty: bool = False
    plan: Plan | None = None

    @property
    def commands(self) -> list[str]:
        return self.plan.commands if self.plan else []

    def touched(self) -> set[str]:
        """Slots the plan's commands name (`set server <backend>/<slot> ...`)."""
        return {c.split(maxsplit=3)[2].rpartition("/")[2] for c in self.commands}


class IngressInstance:
    """Worker: one HAProxy instance (`paths`, its runtime and master sockets)."""

    def __init__(
        self,
        ingress: str,
        paths: InstancePaths,
        *,
        runtime: HAProxyRuntime,
        master: MasterCLI,
        tuning: InstanceTuning | None = None,
        is_leader: Callable[[], bool] | None = None,
        haproxy_binary: str | None = None,
    ) -> None:
        self.ingress = ingress
        self.name = f"ingress:{ingress}"
        self.paths = paths
        self.runtime = runtime
        self.master = master
        self.tuning = tuning or InstanceTuning()
        self.is_leader = is_leader
        self.haproxy_binary = haproxy_binary
        self.desired: DesiredState | None = None  # set by the engine
        self.on_synced: SyncedCallback | None = None
        self.on_failed: FailedCallback | None = None
        self.up = False
        self.pid: str | None = None
        self.last_error: str | None = None
        self.running: Generation | None = None
        self.last_reload: ReloadRecord | None = None
        self.applied_batches = 0
        self.failures: dict[str, str] = {}  # backend → why its last apply failed
        self.routed_hosts: dict[str, str] = {}  # what the Host map holds now
        self._backends: dict[str, _BackendState] = {}
        self._dirty: set[str] = set()
        self._allow_empty: set[str] = set()
        self._draining: set[str] = set()
        self._maps_dirty = True
        self._wake = asyncio.Event()
        self._was_leader = False
        self._next_check = 0.0
        self._next_drift = 0.0
        self._next_gauges = 0.0
        self._down_backoff = 0.0
        self._reload_due: float | None = None
        self._failed_layout: tuple[str, float] | None = None  # (digest, retry after)
        self._render_s = 0.0
        # Whether the layout may need another look: computing it reads every backend's
        # endpoints, so it is done when something that can change it happened, not per pass.
        self._layout_dirty = True

    # --- what the engine calls --------------------------------------------------------------

    def mark(
        self,
        backends: set[str],
        *,
        allow_empty: bool = False,
        cluster: str | None = None,
        seen: float | None = None,
    ) -> None:
        self._dirty |= backends
        if allow_empty:
            self._allow_empty |= backends
        if cluster is not None:
            at = seen if seen is not None else time.monotonic()
            for backend in backends:
                self._state(backend).seen.setdefault(cluster, at)
        self._wake.set()

    def routes_changed(self) -> None:
        self._maps_dirty = True
        self._layout_dirty = True
        self._wake.set()

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while True:
                leader = self.is_leader is None or self.is_leader()
                await self._sleep(leader)
                if leader and not self._was_leader:
                    self._next_check = 0.0  # a new leader reads everything back first
                    self._reread(self._layout_backends())
                self._was_leader = leader
                now = time.monotonic()
                if now >= self._next_check:
                    # Followers check too (read only): their status API answers from it.
                    await self._check(now, write=leader)
                if not leader or not self.up:
                    continue  # followers plan nothing: one writer at a time
                await self._maybe_reload()
                if self.up:
                    await self._apply_dirty()
                if self.up and self._maps_dirty:
                    await self._sync_maps()
        finally:
            await self.runtime.close()

    async def _sleep(self, leader: bool) -> None:
        now = time.monotonic()
        until = [self._next_check]
        if self._reload_due is not None:
            until.append(self._reload_due)
        retries = [self._backends[b].retry_at for b in self._dirty if b in self._backends]
        until += [t for t in retries if t > now]
        if leader and self.up and self._dirty and not [t for t in retries if t > now]:
            until.append(now)  # work is waiting (a backend re-dirtied itself)
        try:
            async with asyncio.timeout(max(0.0, min(until) - now)):
                await self._wake.wait()
            # Let changes that arrive together leave together, never later than the window.
            await asyncio.sleep(self.tuning.window_s)
        except TimeoutError:
            pass
        self._wake.clear()

    # --- 1. is it up, what does it run ------------------------------------------------------

    async def _check(self, now: float, *, write: bool = True) -> None:
        try:
            info = await self._current_worker_info()
        except (HAProxyError, MasterError) as exc:
            self._down(str(exc))
            return
        pid = info.get("Pid")
        restarted = not self.up or pid != self.pid
        if not self.up:
            log.info("ingress_up", ingress=self.ingress, pid=pid)
        self.up, self.pid, self.last_error, self._down_backoff = True, pid, None, 0.0
        UP.labels(self.ingress).set(1)
        self._next_check = now + self.tuning.reconcile_s
        running = self._running_generation(info.get("description", ""))
        if running is None or running != self.running or restarted:
            self._layout_dirty = True
        self.running = running
        GENERATION.labels(self.ingress).set(self.running.number if self.running else 0)
        if now >= self._next_gauges:  # counting every slot is not for every second
            self._next_gauges = now + self.tuning.drift_check_s
            BACKENDS.labels(self.ingress).set(len(self._layout_backends()))
            used, total = self.slots()
            SLOTS.labels(self.ingress, "used").set(used)
            SLOTS.labels(self.ingress, "free").set(total - used)
        if not write:
            return
        if restarted:
            log.info("ingress_read_back", ingress=self.ingress, pid=pid)
            self._reread(self._layout_backends())
            self._maps_dirty = True
        elif now >= self._next_drift:
            self._layout_dirty = True  # the safety net: shrinking and pruning wait for it
            await self._find_drift()
        self._next_drift = max(self._next_drift, now + self.tuning.drift_check_s)
        self._dirty |= self._draining  # come back to free drained slots once they are idle

    async def _current_worker_info(self) -> dict[str, str]:
        """`show info` of the current worker. A persistent connection opened before a reload
        still reaches the old worker (and keeps it alive): when the master lists another
        worker as current, reconnect."""
        info = await self.runtime.info()
        workers = (await self.master.processes()).workers
        if workers and info.get("Pid", "").isdigit() and int(info["Pid"]) not in workers:
            await self.runtime.close()
            info = await self.runtime.info()
        return info

    def _running_generation(self, description: str) -> Generation | None:
        parsed = parse_description(description)
        if parsed is None:
            return None  # not a configuration of ours: the next reload installs one
        number, digest = parsed
        running = self.running
        if running is None or running.number != number:
            running = generations.load(self.paths, number)
        if running is None or running.layout.digest() != digest:
            return None
        return running

    async def _find_drift(self) -> None:
        """One read of every slot; a backend that differs from its last read back is dirty."""
        try:
            rows = parse_servers_state(
                await self.runtime.all_servers_state(),
                previous=self._last_read(self._layout_backends()),
            )
        except HAProxyError as exc:
            self._down(str(exc))
            return
        by_backend: dict[str, list[ServerState]] = {}
        for row in rows:
            by_backend.setdefault(row.backend, []).append(row)
        for backend in self._layout_backends():
            if by_backend.get(backend, []) != self._state(backend).actual:
                self._reread({backend})

    def _down(self, error: str) -> None:
        if self.up:
            log.warning("ingress_down", ingress=self.ingress, error=error[:300])
        self.up, self.last_error = False, error
        UP.labels(self.ingress).set(0)
        self._down_backoff = min(5.0, max(0.2, self._down_backoff * 2))
        self._next_check = time.monotonic() + self._down_backoff

    def _reread(self, backends: set[str]) -> None:
        """Plan these against HAProxy's state even if nothing desired changed."""
        for backend in backends:
            self._state(backend).signature = None
        self._dirty |= backends

    def _signature(self, desired: list[Endpoint]) -> frozenset[tuple[object, ...]]:
        assert self.desired is not None
        stale = self.desired.stale_clusters() | self.desired.unlisted_clusters()
        return frozenset(
            [(e.address, e.port, e.desired_state, e.weight) for e in desired if e.desired_state]
            + [("stale", c) for c in stale]
        )

    def _last_read(self, backends: Iterable[str]) -> dict[tuple[str, str], ServerState]:
        return {(s.backend, s.name): s for b in backends for s in self._state(b).actual}

    def _layout_backends(self) -> set[str]:
        return set(self.running.layout.backends) if self.running else set()

    def _state(self, backend: str) -> _BackendState:
        state = self._backends.get(backend)
        if state is None:
            state = self._backends[backend] = _BackendState()
        return state

    # --- 2. the layout and reloads ----------------------------------------------------------

    def wanted_layout(self) -> tuple[Layout, bool, str]:
        """(layout, urgent, why): what the configuration must hold for the routes and
        endpoints now, starting from the running layout so slots only grow when needed."""
        assert self.desired is not None
        current = self.running.layout.backends if self.running else {}
        tuning = self.tuning
        wanted: dict[str, int] = {}
        new, grown, shrunk = [], [], []
        for backend in sorted(self.desired.routes.backends()):
            if backend_problem(backend):
                continue
            need = self._need(backend)
            have = current.get(backend)
            fit = slots_for(need, minimum=tuning.slots_min, headroom=tuning.slots_headroom)
            if have is None:
                wanted[backend] = fit
                new.append(backend)
            elif need > have:
                wanted[backend] = fit
                grown.append(f"{backend} {have}→{fit}")
            elif have > 4 * fit and have > tuning.slots_min:
                wanted[backend] = max(fit, self._highest_used(backend))
                shrunk.append(backend)
            else:
                wanted[backend] = have
        removed = sorted(set(current) - set(wanted))
        parts = [
            f"{what}: {', '.join(names[:5])}{f' (+{len(names) - 5})' if len(names) > 5 else ''}"
            for what, names in (
                ("new", new),
                ("resized", grown),
                ("shrunk", shrunk),
                ("removed", removed),
            )
            if names
        ]
        urgent = bool(new or grown) or self.running is None
        return Layout.of(wanted), urgent, "; ".join(parts) or "configuration not ours"

    def _need(self, backend: str) -> int:
        assert self.desired is not None
        state = self._backends.get(backend)
        wanted = sum(1 for e in self.desired.desired(backend) if e.desired_state is not None)
        if state is None:
            return max(1, wanted)
        occupied = sum(1 for s in state.actual if s.state != "maint")
        return max(1, wanted, occupied + state.short)

    def _highest_used(self, backend: str) -> int:
        state = self._backends.get(backend)
        used = [s.server_id for s in state.actual if s.state != "maint"] if state else []
        return max(used, default=0)

    async def _maybe_reload(self) -> None:
        if not self._layout_dirty:
            return
        layout, urgent, _ = self.wanted_layout()
        now = time.monotonic()
        if self.running is not None and layout == self.running.layout:
            self._reload_due = None
            self._layout_dirty = False
            return
        if self._failed_layout is not None:
            digest, retry_after = self._failed_layout
            if digest == layout.digest() and now < retry_after:
                return  # refused already: not again until the layout changes or time passed
        delay = self.tuning.reload_delay_s if urgent else self.tuning.prune_after_s
        due = now + delay
        if self._reload_due is None or due < self._reload_due:
            self._reload_due = due
        if now < self._reload_due:
            return
        self._reload_due = None
        layout, _, reason = self.wanted_layout()  # again: more may have arrived meanwhile
        await self.reload(layout, reason)

    async def reload(self, layout: Layout, reason: str) -> bool:
        """Install `layout` as the next generation; True when the new worker runs it."""
        assert self.desired is not None
        self._layout_dirty = True  # whatever happens, look again afterwards
        started = time.monotonic()
        running = self.running
        number = max(generations.latest_number(self.paths), running.number if running else 0) + 1
        routes = self.desired.routes
        try:
            before = await self.master.processes()
            state = await self.runtime.all_servers_state()
        except (MasterError, HAProxyError) as exc:
            self._down(str(exc))  # the instance's trouble, not the apps': retried when it is up
            return False
        held: dict[str, dict[str, tuple[str, int]]] = {}
        for row in parse_servers_state(state):
            held.setdefault(row.backend, {})[row.name] = (row.address, row.port)
        render_started = time.perf_counter()
        rendered = render(
            layout,
            instance=self.ingress,
            paths=self.paths,
            generation=number,
            hosts=routes.hosts,
            apps=routes.header_values(),
            addresses=held,
        )
        self._render_s = time.perf_counter() - render_started
        RENDER_SECONDS.labels(self.ingress).observe(self._render_s)
        generation = await asyncio.to_thread(
            generations.write, self.paths, number, rendered, layout
        )
        try:
            await generations.validate(generation, binary=self.haproxy_binary)
        except ConfigInvalid as exc:
            await self._reload_failed(number, started, "invalid", reason, str(exc), layout)
            return False
        previous = generations.current(self.paths)
        try:
            await asyncio.to_thread(generations.save_state, self.paths, state)
            generations.switch(self.paths, generation)
            await self.master.reload()
            await self._await_worker(before.workers, before.failed_reloads, number)
        except (MasterError, HAProxyError, ReloadFailed) as exc:
            if previous is not None:
                generations.switch(self.paths, previous)  # a cold start uses the last good one
            self.paths.state_file.unlink(missing_ok=True)
            await self._reload_failed(
                number,
                started,
                "failed",
                reason,
                str(exc),
                layout,
                report=isinstance(exc, ReloadFailed),
            )
            return False
        # Loaded by the new worker; gone, so a later cold start begins empty (and is filled by
        # k8s-sync) rather than from a state that may be hours old, with pod IPs since reused.
        self.paths.state_file.unlink(missing_ok=True)
        self.running = generation
        self._record(
            ReloadRecord(
                number,
                time.time(),
                time.monotonic() - started,
                "ok",
                reason,
                render_s=self._render_s,
            )
        )
        GENERATION.labels(self.ingress).set(number)
        self._reread(set(layout.backends))
        self._maps_dirty = True
        for state_ in self._backends.values():
            state_.short = 0
        await asyncio.to_thread(generations.prune, self.paths, number)
        log.info(
            "ingress_reloaded",
            ingress=self.ingress,
            generation=number,
            backends=len(layout.backends),
            reason=reason,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        return True

    async def _await_worker(self, workers: list[int], failed: int, number: int) -> None:
        """Until a new worker answers the runtime API with generation `number`."""
        deadline = time.monotonic() + RELOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            try:
                procs = await self.master.processes()
            except MasterError:
                continue  # the master is re-executing itself
            if procs.failed_reloads > failed:
                raise ReloadFailed("HAProxy's master could not load the new configuration")
            if not set(procs.workers) - set(workers):
                continue
            await self.runtime.close()  # the old connection still reaches the old worker
            try:
                info = await self.runtime.info()
            except HAProxyError:
                continue
            parsed = parse_description(info.get("description", ""))
            if parsed is not None and parsed[0] == number:
                self.pid = info.get("Pid")
                return
        raise ReloadFailed(f"no worker runs generation {number} after {RELOAD_TIMEOUT_S:.0f} s")

    async def _reload_failed(
        self,
        number: int,
        started: float,
        outcome: str,
        reason: str,
        error: str,
        layout: Layout,
        *,
        report: bool = True,
    ) -> None:
        """Record it; `report`: tell the new backends' apps (their routes cannot be had)."""
        self._record(
            ReloadRecord(
                number,
                time.time(),
                time.monotonic() - started,
                outcome,
                reason,
                error,
                render_s=self._render_s,
            )
        )
        self._failed_layout = (layout.digest(), time.monotonic() + FAILED_LAYOUT_RETRY_S)
        log.error("ingress_reload_failed", ingress=self.ingress, outcome=outcome, error=error[:500])
        if not report:
            return
        current = set(self.running.layout.backends) if self.running else set()
        for backend in sorted(set(layout.backends) - current):
            await self._report_failure(
                backend, f"ingress {self.ingress}: {outcome} config: {error}"
            )

    def _record(self, record: ReloadRecord) -> None:
        self.last_reload = record
        RELOADS.labels(self.ingress, record.outcome).inc()
        RELOAD_SECONDS.labels(self.ingress).observe(record.duration_s)

    # --- 3. applying endpoint changes -------------------------------------------------------

    async def _apply_dirty(self) -> None:
        """Every dirty backend in at most four pipelined round trips, however many there are:
        read back those we were asked to look at again, the sessions of draining slots, send
        every plan's commands together, read back the slots they touched."""
        assert self.desired is not None
        dirty, self._dirty = self._dirty, set()
        allow, self._allow_empty = self._allow_empty, set()
        layout = self._layout_backends()
        routed = self.desired.routes.backends()
        now = time.monotonic()
        batch = []
        for backend in sorted(dirty & layout):  # the rest: being created, or gone
            state = self._state(backend)
            if state.retry_at > now:
                self._dirty.add(backend)  # backing off after a failure
                if backend in allow:
                    self._allow_empty.add(backend)
                continue
            work = _Work(backend, self.desired.desired(backend))
            work.signature = self._signature(work.desired)
            if (
                state.signature is None
                or state.short
                or backend in self._draining
                or backend in self.failures
                or state.signature != work.signature
            ):
                work.allow_empty = backend in allow or backend not in routed
                batch.append(work)
            else:
                state.seen.clear()  # nothing the ingress serves changed
        if not batch:
            return
        try:
            await self._apply_batch(batch)
        except HAProxyError as exc:  # unreachable or stalled: the instance, not a backend
            self._down(str(exc))
            for work in batch:
                self._dirty.add(work.backend)
                if work.allow_empty and work.backend in allow:
                    self._allow_empty.add(work.backend)

    async def _apply_batch(self, batch: list[_Work]) -> None:
        # Plan against the last read back unless asked to look again: k8s-sync is the only
        # writer, every batch is read back after it is sent, and the drift check reads
        # everything on its period — so a read before planning would find nothing new.
        reread = [w.backend for w in batch if self._state(w.backend).signature is None]
        actuals: dict[str, list[ServerState] | HAProxyCommandError] = {
            w.backend: self._state(w.backend).actual for w in batch
        }
        if reread:
            actuals.update(await self.runtime.servers_of(reread, previous=self._last_read(reread)))
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
            # A backend whose route is gone (no Service left, a gray stage ended) may empty.
            work.plan = self._plan(work, actual, sessions.get(work.backend, {}))
            if work.plan is None:
                continue
            if work.plan.empty:
                self._succeeded(work, actual)
            else:
                planned.append(work)
        if planned:
            await self._send(planned, actuals)

    async def _send(
        self, planned: list[_Work], actuals: dict[str, list[ServerState] | HAProxyCommandError]
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
            self._succeeded(work, readback)
            await self._applied(work.backend, work.plan, readback)

    def _plan(
        self, work: _Work, actual: list[ServerState], sessions: dict[str, int]
    ) -> Plan | None:
        """The backend's plan, or None when it is refused (it would empty a serving backend)."""
        backend, desired = work.backend, work.desired
        state = self._state(backend)
        plan = plan_backend(
            backend,
            desired,
            actual,
            sessions=sessions,
            stale=self._left_alone(backend, actual, desired),
            allow_empty=work.allow_empty,
        )
        state.actual = actual
        if plan.missing != state.short:
            state.short = plan.missing
            self._layout_dirty = True
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

    async def _applied(self, backend: str, plan: Plan, readback: list[ServerState]) -> None:
        if plan.drained:
            self._draining.add(backend)
        if plan.freed and plan.missing:
            self._dirty.add(backend)  # endpoints were waiting for these slots: at once
        if self.on_synced is not None:
            await self.on_synced(self, backend, readback)

    def _left_alone(
        self, backend: str, actual: list[ServerState], desired: list[Endpoint]
    ) -> frozenset[Key]:
        """Slots no plan may touch: those of stale clusters (their views keep the endpoints
        they last listed), and — while some cluster was never listed since this process
        started — those no view explains (they may be that cluster's). A pod that left a
        cluster before it went stale is not kept: it was leaving anyway."""
        assert self.desired is not None
        stale = self.desired.stale_clusters()
        unlisted = self.desired.unlisted_clusters()
        if not stale and not unlisted:
            return frozenset()
        known = {(e.address, e.port): e.cluster for e in desired}
        left = {key for key, cluster in known.items() if cluster in stale}
        if unlisted:
            left |= {
                key
                for slot in actual
                if slot.state != "maint" and (key := (slot.address, slot.port)) not in known
            }
        return frozenset(left)

    def _succeeded(self, work: _Work, readback: list[ServerState]) -> None:
        """The backend is applied and read back: record it and how long its changes took."""
        assert self.desired is not None
        backend = work.backend
        state = self._state(backend)
        state.actual = readback
        state.attempts, state.retry_at = 0, 0.0
        state.signature = work.signature
        self.failures.pop(backend, None)
        counts = Counter(s.state for s in readback)
        if not counts["drain"]:
            self._draining.discard(backend)
        now = time.monotonic()
        for cluster, seen in state.seen.items():
            PROPAGATION.labels(cluster).observe(now - seen)
            self.desired.record_lag(cluster, now - seen)
        state.seen.clear()
        for name in ("ready", "drain", "maint"):
            SERVERS.labels(self.ingress, backend, name).set(counts[name])

    async def _failed(
        self, backend: str, exc: HAProxyCommandError, desired: list[Endpoint]
    ) -> None:
        """Retry with exponential backoff (0.2 s doubling to 10 s); report once per streak."""
        state = self._state(backend)
        state.signature = None  # read it back before planning again
        state.attempts += 1
        state.retry_at = time.monotonic() + min(10.0, 0.2 * 2 ** (state.attempts - 1))
        self._dirty.add(backend)
        for cluster in {e.cluster for e in desired} or {"unknown"}:
            FAILED.labels(self.ingress, cluster).inc()
        log.warning(
            "sync_failed",
            ingress=self.ingress,
            backend=backend,
            attempts=state.attempts,
            error=str(exc)[:300],
        )
        await self._report_failure(backend, str(exc))

    async def _report_failure(self, backend: str, reason: str) -> None:
        first = backend not in self.failures
        self.failures[backend] = reason
        if first and self.on_failed is not None:
            await self.on_failed(self, backend, reason)

    # --- 4. the maps ------------------------------------------------------------------------

    async def _sync_maps(self) -> None:
        assert self.desired is not None
        if self.running is None:
            return
        routes = self.desired.routes
        layout = self.running.layout.backends
        want_hosts = {h: b for h, b in routes.hosts.items() if b in layout}
        want_apps = {k: b for k, b in routes.header_values().items() if b in layout}
        try:
            for path, want in (
                (self.running.hosts_map, want_hosts),
                (self.running.apps_map, want_apps),
            ):
                have = await self.runtime.map_entries(str(path))
                commands = HAProxyRuntime.map_commands(str(path), have, want)
                if commands:
                    await self.runtime.run(commands)
                    await asyncio.to_thread(generations.replace_map, path, map_text(want))
        except HAProxyCommandError as exc:
            log.warning("ingress_map_failed", ingress=self.ingress, error=str(exc)[:300])
            return  # tried again on the next pass
        except HAProxyError as exc:
            self._down(str(exc))
            return
        self.routed_hosts = want_hosts
        self._maps_dirty = False

    # --- reading, for the status API --------------------------------------------------------

    def has_backend(self, backend: str) -> bool:
        return backend in self._layout_backends()

    def slots(self) -> tuple[int, int]:
        """(used, total) over the running layout, from the last read back."""
        layout = self.running.layout.backends if self.running else {}
        used = sum(1 for b in layout for s in self._state(b).actual if s.state != "maint")
        return used, sum(layout.values())
