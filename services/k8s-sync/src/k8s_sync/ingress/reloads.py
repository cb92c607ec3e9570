"""Changing one HAProxy instance's layout: which layout it needs, and installing it.

The layout (backends × server slots) only grows when it must, so a reload is rare: a new
backend, or one that ran out of slots. Installing a generation is, in order: render → write the
generation directory → `haproxy -c` → save the server state (`show servers state`, read by the
new worker through `load-server-state-from-file`) → move the `current` symlink → `reload` on
the master CLI → wait until a new worker answers the runtime API with the new generation in its
description. Any failure after the switch moves the symlink back, so a cold start uses the last
configuration that worked. Sources: HAProxy 2.6 management guide ("master CLI", "seamless
reload"), configuration manual (`server-state-file`, `load-server-state-from-file`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from k8s_sync.ingress import generations
from k8s_sync.ingress.config import (
    InstancePaths,
    Layout,
    backend_problem,
    parse_description,
    render,
    slots_for,
)
from k8s_sync.ingress.generations import Generation
from k8s_sync.ingress.haproxy import HAProxyError, HAProxyRuntime, parse_servers_state
from k8s_sync.ingress.master import MasterCLI, MasterError
from k8s_sync.metrics import RENDER_SECONDS
from k8s_sync.sync.routes import RouteTable

RELOAD_TIMEOUT_S = 30.0


class ReloadFailed(Exception):
    """The master did not bring up a worker running the new generation.

    `report`: whether the apps of the new backends are told (HAProxy refused the
    configuration); not when the instance merely stopped answering mid-way."""

    def __init__(self, message: str, *, report: bool = True) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class ReloadRecord:
    generation: int
    at: float  # epoch seconds
    duration_s: float
    outcome: str  # ok | invalid | failed
    reason: str
    error: str | None = None
    render_s: float = 0.0  # rendering the text (part of duration_s)


def plan_layout(
    backends: Iterable[str],
    current: Mapping[str, int],
    *,
    need: Callable[[str], int],
    highest_used: Callable[[str], int],
    slots_min: int,
    headroom: float,
) -> tuple[Layout, bool, str]:
    """(layout, urgent, why) for the routed `backends`, starting from the `current` layout so
    slots only change when needed: a new backend or one that needs more slots than it has is
    urgent; one with over four times what it needs shrinks (never below its highest used slot),
    and one no route names is removed — both only ride on the next reload."""
    wanted: dict[str, int] = {}
    new, grown, shrunk = [], [], []
    for backend in sorted(backends):
        if backend_problem(backend):
            continue
        needed = need(backend)
        have = current.get(backend)
        fit = slots_for(needed, minimum=slots_min, headroom=headroom)
        if have is None:
            wanted[backend] = fit
            new.append(backend)
        elif needed > have:
            wanted[backend] = fit
            grown.append(f"{backend} {have}→{fit}")
        elif have > 4 * fit and have > slots_min:
            wanted[backend] = max(fit, highest_used(backend))
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
    return Layout.of(wanted), bool(new or grown), "; ".join(parts)


@dataclass
class Installed:
    generation: Generation
    pid: str | None  # the new worker's


class ConfigInstaller:
    """Installs generations on one instance (its runtime and master sockets)."""

    def __init__(
        self,
        ingress: str,
        *,
        runtime: HAProxyRuntime,
        master: MasterCLI,
        haproxy_binary: str | None = None,
    ) -> None:
        self.ingress = ingress
        self.runtime = runtime
        self.master = master
        self.haproxy_binary = haproxy_binary
        self.render_s = 0.0  # the last render's duration

    async def install(
        self, layout: Layout, *, paths: InstancePaths, number: int, routes: RouteTable
    ) -> Installed:
        """Generation `number` of `layout` (written under `paths`), running once this returns.

        Raises MasterError / HAProxyError when the instance does not answer before anything
        changed, generations.ConfigInvalid when `haproxy -c` refuses the rendering (nothing
        switched), ReloadFailed when the reload itself failed (switched back)."""
        before = await self.master.processes()
        state = await self.runtime.all_servers_state()
        # Each slot is rendered with the address it holds, so a slot keeps its endpoint even
        # where the state file restores only part of it (2.6 restores the port, not the IP).
        held: dict[str, dict[str, tuple[str, int]]] = {}
        for row in parse_servers_state(state):
            held.setdefault(row.backend, {})[row.name] = (row.address, row.port)
        started = time.perf_counter()
        rendered = render(
            layout,
            instance=self.ingress,
            paths=paths,
            generation=number,
            hosts=routes.hosts,
            apps=routes.header_values(),
            addresses=held,
        )
        self.render_s = time.perf_counter() - started
        RENDER_SECONDS.labels(self.ingress).observe(self.render_s)
        generation = await asyncio.to_thread(generations.write, paths, number, rendered, layout)
        await generations.validate(generation, binary=self.haproxy_binary)
        previous = generations.current(paths)
        try:
            await asyncio.to_thread(generations.save_state, paths, state)
            generations.switch(paths, generation)
            await self.master.reload()
            pid = await self._await_worker(before.workers, before.failed_reloads, number)
        except (MasterError, HAProxyError, ReloadFailed) as exc:
            if previous is not None:
                generations.switch(paths, previous)  # a cold start uses the last good one
            paths.state_file.unlink(missing_ok=True)
            raise ReloadFailed(str(exc), report=isinstance(exc, ReloadFailed)) from exc
        # Loaded by the new worker; gone, so a later cold start begins empty (and is filled by
        # k8s-sync) rather than from a state that may be hours old, with pod IPs since reused.
        paths.state_file.unlink(missing_ok=True)
        await asyncio.to_thread(generations.prune, paths, number)
        return Installed(generation, pid)

    async def _await_worker(self, workers: list[int], failed: int, number: int) -> str | None:
        """Until a new worker answers the runtime API with generation `number`; its pid."""
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
                return info.get("Pid")
        raise ReloadFailed(f"no worker runs generation {number} after {RELOAD_TIMEOUT_S:.0f} s")
