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
   with the new generation → re-plan every backend (k8s_sync.ingress.reloads). A configuration
   that fails the check is never used, reported, and not retried until the layout changes (or a
   minute passed).
3. Dirty backends, all in one pass (k8s_sync.ingress.backends): plan, send the batch, read
   back and compare — a difference is a failure of that backend, retried with backoff.
4. The Host and header maps, through the runtime API (no reload), kept on disk too.
Every `drift_check_s` one `show servers state` of all backends finds drift nobody announced.

Down or blocked: when the runtime API fails, the master CLI is asked too. No answer there
either: the instance is down — it serves nothing, and releases go on without it (it is refilled
in full when it returns). The master answers: HAProxy is alive and serves with what it has, but
changes no longer reach it — `blocked` until a pass applies again, and release-api holds the
rollouts that would replace pods under it (status/endpoints.py `following`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from k8s_sync.ingress import generations
from k8s_sync.ingress.backends import DesiredState, InstanceBackends
from k8s_sync.ingress.config import InstancePaths, Layout, map_text, parse_description
from k8s_sync.ingress.generations import ConfigInvalid, Generation
from k8s_sync.ingress.haproxy import (
    HAProxyCommandError,
    HAProxyError,
    HAProxyRuntime,
    ServerState,
    parse_servers_state,
)
from k8s_sync.ingress.master import MasterCLI, MasterError
from k8s_sync.ingress.reloads import ConfigInstaller, ReloadFailed, ReloadRecord, plan_layout
from k8s_sync.metrics import BACKENDS, GENERATION, RELOAD_SECONDS, RELOADS, SLOTS, UP

__all__ = ["DesiredState", "IngressInstance", "InstanceTuning", "ReloadRecord"]

log = structlog.get_logger(__name__)
FAILED_LAYOUT_RETRY_S = 60.0


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
        self.desired: DesiredState | None = None  # set by the engine
        self.on_synced: SyncedCallback | None = None
        self.on_failed: FailedCallback | None = None
        self.up = False
        self.blocked: str | None = None  # alive (its master answers) but changes fail: why
        self.pid: str | None = None
        self.last_error: str | None = None
        self.running: Generation | None = None
        self.last_reload: ReloadRecord | None = None
        self.routed_hosts: dict[str, str] = {}  # what the Host map holds now
        self.backends = InstanceBackends(
            ingress, runtime, on_synced=self._synced, on_failed=self._failed
        )
        self._installer = ConfigInstaller(
            ingress, runtime=runtime, master=master, haproxy_binary=haproxy_binary
        )
        self._maps_dirty = True
        self._wake = asyncio.Event()
        self._was_leader = False
        self._next_check = 0.0
        self._next_drift = 0.0
        self._next_gauges = 0.0
        self._down_backoff = 0.0
        self._reload_due: float | None = None
        self._failed_layout: tuple[str, float] | None = None  # (digest, retry after)
        # Whether the layout may need another look: computing it reads every backend's
        # endpoints, so it is done when something that can change it happened, not per pass.
        self._layout_dirty = True

    @property
    def failures(self) -> dict[str, str]:
        """Backend → why its last apply failed."""
        return self.backends.failures

    @property
    def applied_batches(self) -> int:
        return self.backends.applied_batches

    # --- what the engine calls --------------------------------------------------------------

    def mark(
        self,
        backends: set[str],
        *,
        allow_empty: bool = False,
        cluster: str | None = None,
        seen: float | None = None,
    ) -> None:
        at = seen if seen is not None else time.monotonic()
        self.backends.mark(backends, allow_empty=allow_empty, cluster=cluster, at=at)
        self._wake.set()

    def routes_changed(self) -> None:
        self._maps_dirty = True
        self._layout_dirty = True
        self._wake.set()

    async def _synced(self, backend: str, readback: list[ServerState]) -> None:
        if self.on_synced is not None:
            await self.on_synced(self, backend, readback)

    async def _failed(self, backend: str, reason: str) -> None:
        if self.on_failed is not None:
            await self.on_failed(self, backend, reason)

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while True:
                leader = self.is_leader is None or self.is_leader()
                await self._sleep(leader)
                if leader and not self._was_leader:
                    self._next_check = 0.0  # a new leader reads everything back first
                    self.backends.reread(self._layout_backends())
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
        retries = self.backends.next_retry(now)
        until += retries
        if leader and self.up and self.backends.dirty and not retries:
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
            await self._runtime_failed(exc)
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
            # A follower applies nothing, so no pass of its own would clear `blocked`: its
            # runtime API answering again is all it can know. (Before, a follower stayed
            # blocked for good after one stall, and its `following` answer held every
            # rollout until its deadline: tests/faults/test_ingress_gate.py found it.)
            self._unblocked()
            return
        if restarted:
            log.info("ingress_read_back", ingress=self.ingress, pid=pid)
            self.backends.reread(self._layout_backends())
            self._maps_dirty = True
        elif now >= self._next_drift:
            self._layout_dirty = True  # the safety net: shrinking and pruning wait for it
            await self._find_drift()
        self._next_drift = max(self._next_drift, now + self.tuning.drift_check_s)
        # Come back to free drained slots once they are idle.
        self.backends.dirty |= self.backends.draining

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
                previous=self.backends.last_read(self._layout_backends()),
            )
        except HAProxyError as exc:
            await self._runtime_failed(exc)
            return
        by_backend: dict[str, list[ServerState]] = {}
        for row in rows:
            by_backend.setdefault(row.backend, []).append(row)
        for backend in self._layout_backends():
            if by_backend.get(backend, []) != self.backends.state(backend).actual:
                self.backends.reread({backend})

    async def _runtime_failed(self, exc: Exception) -> None:
        """The runtime API failed: down, and blocked if HAProxy still runs (its master
        answers) — it serves what it has while no change reaches it."""
        try:
            await self.master.processes()
        except (MasterError, HAProxyError, OSError):
            self.blocked = None  # not running: nothing is served stale
        else:
            if self.blocked is None:
                log.warning("ingress_blocked", ingress=self.ingress, error=str(exc)[:300])
            self.blocked = f"changes do not reach it while it serves: {exc}"[:500]
        self._down(str(exc))

    def _unblocked(self) -> None:
        if self.blocked is not None:
            log.info("ingress_unblocked", ingress=self.ingress)
        self.blocked = None

    def _down(self, error: str) -> None:
        if self.up:
            log.warning("ingress_down", ingress=self.ingress, error=error[:300])
        self.up, self.last_error = False, error
        UP.labels(self.ingress).set(0)
        self._down_backoff = min(5.0, max(0.2, self._down_backoff * 2))
        self._next_check = time.monotonic() + self._down_backoff

    def _layout_backends(self) -> set[str]:
        return set(self.running.layout.backends) if self.running else set()

    # --- 2. the layout and reloads ----------------------------------------------------------

    def wanted_layout(self) -> tuple[Layout, bool, str]:
        """(layout, urgent, why): what the configuration must hold for the routes and
        endpoints now, starting from the running layout so slots only grow when needed."""
        desired = self.desired
        assert desired is not None
        running = self.running.layout.backends if self.running else {}
        routed = set(desired.routes.backends())
        if not desired.routes_complete:  # a backend not routed yet may only be unknown yet
            routed |= set(running)
        layout, urgent, why = plan_layout(
            routed,
            running,
            need=lambda backend: self.backends.need(backend, desired),
            highest_used=self.backends.highest_used,
            slots_min=self.tuning.slots_min,
            headroom=self.tuning.slots_headroom,
        )
        return layout, urgent or self.running is None, why or "configuration not ours"

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
        try:
            installed = await self._installer.install(
                layout, paths=self.paths, number=number, routes=self.desired.routes
            )
        except (MasterError, HAProxyError) as exc:
            self._down(str(exc))  # the instance's trouble, not the apps': retried when it is up
            return False
        except ConfigInvalid as exc:
            await self._reload_failed(number, started, "invalid", reason, str(exc), layout)
            return False
        except ReloadFailed as exc:
            await self._reload_failed(
                number, started, "failed", reason, str(exc), layout, report=exc.report
            )
            return False
        self.running, self.pid = installed.generation, installed.pid
        self._record(
            ReloadRecord(
                number,
                time.time(),
                time.monotonic() - started,
                "ok",
                reason,
                render_s=self._installer.render_s,
            )
        )
        GENERATION.labels(self.ingress).set(number)
        self.backends.after_reload(layout.backends)
        self._maps_dirty = True
        log.info(
            "ingress_reloaded",
            ingress=self.ingress,
            generation=number,
            backends=len(layout.backends),
            reason=reason,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        return True

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
                render_s=self._installer.render_s,
            )
        )
        self._failed_layout = (layout.digest(), time.monotonic() + FAILED_LAYOUT_RETRY_S)
        log.error("ingress_reload_failed", ingress=self.ingress, outcome=outcome, error=error[:500])
        if not report:
            return
        current = set(self.running.layout.backends) if self.running else set()
        for backend in sorted(set(layout.backends) - current):
            await self.backends.report_failure(
                backend, f"ingress {self.ingress}: {outcome} config: {error}"
            )

    def _record(self, record: ReloadRecord) -> None:
        self.last_reload = record
        RELOADS.labels(self.ingress, record.outcome).inc()
        RELOAD_SECONDS.labels(self.ingress).observe(record.duration_s)

    # --- 3. applying endpoint changes -------------------------------------------------------

    async def _apply_dirty(self) -> None:
        assert self.desired is not None
        try:
            await self.backends.apply_dirty(self.desired, self._layout_backends())
        except HAProxyError as exc:  # unreachable or stalled: the instance, not a backend
            await self._runtime_failed(exc)
        else:
            self._unblocked()
        if self.backends.short_changed:
            self.backends.short_changed = False
            self._layout_dirty = True

    # --- 4. the maps ------------------------------------------------------------------------

    async def _sync_maps(self) -> None:
        assert self.desired is not None
        if self.running is None:
            return
        routes = self.desired.routes
        layout = self.running.layout.backends
        want_hosts = {h: b for h, b in routes.hosts.items() if b in layout}
        want_apps = {k: b for k, b in routes.header_values().items() if b in layout}
        complete = self.desired.routes_complete
        try:
            for path, want in (
                (self.running.hosts_map, want_hosts),
                (self.running.apps_map, want_apps),
            ):
                have = await self.runtime.map_entries(str(path))
                if not complete:  # add what is known; a route not seen yet stays as it is
                    want = {**have, **want}
                commands = HAProxyRuntime.map_commands(str(path), have, want)
                if commands:
                    await self.runtime.run(commands)
                    await asyncio.to_thread(generations.replace_map, path, map_text(want))
        except HAProxyCommandError as exc:
            log.warning("ingress_map_failed", ingress=self.ingress, error=str(exc)[:300])
            return  # tried again on the next pass
        except HAProxyError as exc:
            await self._runtime_failed(exc)
            return
        self.routed_hosts = want_hosts
        self._maps_dirty = not complete  # once complete, what is not routed goes

    # --- reading, for the status API --------------------------------------------------------

    def has_backend(self, backend: str) -> bool:
        return backend in self._layout_backends()

    def slots(self) -> tuple[int, int]:
        """(used, total) over the running layout, from the last read back."""
        layout = self.running.layout.backends if self.running else {}
        return self.backends.used_slots(layout), sum(layout.values())
