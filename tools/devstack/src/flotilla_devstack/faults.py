"""A fault injected while a release runs under traffic, and what it left behind.

The fault suite (tests/faults/) and `bench/fault_recovery.py` share this: on a running
`LocalStack` (every piece its own process), `FaultRun` creates an app, releases it once, puts
100 req/s through every ingress instance, starts a second release to every cluster and, when a
cluster is rolling out, injects the fault. While the fault lasts it asks every service once
every half second what a user would (and tries one write, creating an app, every two seconds);
when the fault ends it measures how long until every service is ready and the release moves
again, waits for the release to end, and gathers the evidence:

- what each request during the fault was answered (a 503 must be a problem with Retry-After);
- what each ingress instance answered (`ok` or the failure);
- every event each service's outbox holds against what Kafka holds: none lost, none twice,
  each key in its outbox order;
- the writes that were accepted against the audit log, and that refused writes left nothing;
- which processes exited (only the ones the fault killed may have, and they were restarted).

The checks themselves are `FaultOutcome.problems()`: a list of what went wrong, empty when the
platform survived.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from flotilla_devstack.ledger import EventLedger, event_ledger
from flotilla_devstack.socketcut import SocketCutter
from flotilla_devstack.stack import INGRESS_INSTANCES, LocalStack
from flotilla_devstack.workload import TERMINAL, Releases, Traffic, app_spec, reloads_near

DEPENDENCY_UNAVAILABLE = "https://flotilla.io/problems/dependency-unavailable"

FaultStep = Callable[[LocalStack], Awaitable[None]]
# Issue 15's faults, in the order the suite runs them (FaultWorld.faults() builds them).
FAULT_NAMES = (
    "database-stopped",
    "database-restarted",
    "registry-killed",
    "broker-killed",
    "k8s-sync-killed",
    "cluster-api-down",
    "runtime-socket-cut",
)


@dataclass(frozen=True)
class Fault:
    """`begin` puts the fault in place; it lasts `duration_s`; `end` removes it (restarts what
    it killed, and waits until that process answers). `kills`: the processes it stops."""

    name: str
    begin: FaultStep
    end: FaultStep
    duration_s: float
    kills: tuple[str, ...] = ()
    at_phase: str = "waiting-ready"  # injected once a cluster of the release is in this phase


@dataclass
class FaultOutcome:
    fault: str
    release: dict[str, Any]
    answers: dict[str, Counter[str]]  # service → status (or error name) → count
    bad_answers: list[str]  # 503s that were not a problem with Retry-After, and 5xx others
    ingress: list[Counter[str]]
    ingress_failures: list[str]  # each failed request's time and error, and the reloads near it
    events: EventLedger
    writes: Counter[int]  # status of each write tried during the fault
    unaudited: list[str]  # accepted writes missing from the audit log
    half_done: list[str]  # refused writes that changed something
    exited: list[str]
    phase_changes: Counter[str]  # "cluster/phase" → times
    ready_s: float  # from the fault's end until every service answered /readyz 200
    progress_s: float  # ... until the release moved again (or had finished)
    release_s: float  # the release's own duration: created_at to finished_at
    expected_phase: str = "succeeded"
    expected_clusters: Mapping[str, str] = field(default_factory=dict)

    @property
    def recovery_s(self) -> float:
        return max(self.ready_s, self.progress_s)

    @property
    def failed_requests(self) -> int:
        return sum(n for seen in self.ingress for what, n in seen.items() if what != "ok")

    def problems(self) -> list[str]:
        """What went wrong; empty when the platform survived the fault."""
        found = []
        if self.release.get("phase") != self.expected_phase:
            found.append(f"release ended {self.release.get('phase')}, not {self.expected_phase}")
        clusters = {c["cluster"]: c["phase"] for c in self.release.get("clusters", [])}
        for cluster, phase in clusters.items():
            want = self.expected_clusters.get(cluster, "succeeded")
            if phase != want:
                found.append(f"cluster {cluster} ended {phase}, not {want}")
        if self.failed_requests:
            found.append(
                f"requests failed at the ingress: {[dict(c) for c in self.ingress]}; "
                f"when, and the ingress reloads then: {self.ingress_failures}"
            )
        if any(seen["ok"] < 100 for seen in self.ingress):
            found.append(f"too little traffic went through: {[dict(c) for c in self.ingress]}")
        found += self.bad_answers
        ledger = self.events
        if ledger.pending:
            found.append(f"{ledger.pending} events still unpublished")
        for what, ids in (
            ("published twice", ledger.duplicated),
            ("lost", ledger.lost),
            ("out of order for keys", ledger.out_of_order),
        ):
            if ids:
                found.append(f"events {what}: {ids[:5]} ({len(ids)})")
        if self.unaudited:
            found.append(f"accepted writes missing from the audit log: {self.unaudited}")
        if self.half_done:
            found.append(f"refused writes that changed something: {self.half_done}")
        if self.exited:
            found.append(f"processes exited: {self.exited}")
        twice = {k: n for k, n in self.phase_changes.items() if n > 1}
        if twice:
            found.append(f"phase changes recorded more than once: {twice}")
        return found

    def summary(self) -> dict[str, Any]:
        """The figures bench/fault_recovery.py prints."""
        return {
            "recovery_s": round(self.recovery_s, 2),
            "ready_s": round(self.ready_s, 2),
            "progress_s": round(self.progress_s, 2),
            "release_s": round(self.release_s, 1),
            "failed_requests": self.failed_requests,
            "events_lost": len(self.events.lost),
            "events_duplicated": len(self.events.duplicated),
            "answers": {s: dict(c) for s, c in self.answers.items()},
            "release": self.release.get("phase"),
        }


class FaultRun:
    """One fault, on one app of its own, on a running stack."""

    def __init__(
        self,
        stack: LocalStack,
        fault: Fault,
        *,
        app: str,
        release_options: Mapping[str, Any] | None = None,
        expected_phase: str = "succeeded",
        expected_clusters: Mapping[str, str] | None = None,
        timeout_s: float = 180,
    ) -> None:
        self.stack = stack
        self.fault = fault
        self.app = app
        self.options = release_options
        self.expected_phase = expected_phase
        self.expected_clusters = dict(expected_clusters or {})
        self.timeout_s = timeout_s
        self.headers = stack.admin_headers()

    def _client(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.stack.urls[service], headers=self.headers, timeout=10
        )

    async def run(self) -> FaultOutcome:
        async with self._client("release-api") as http:
            releases = Releases(http, self.app, self.options)
            await releases.create_app()
            await releases.until_finished(await releases.start("1"))
            async with Traffic(self.stack, self.app) as traffic:
                location = await releases.start("2")
                await releases.until_phase(location, self.fault.at_phase)
                pids = {name: p.pid for name, p in self.stack.processes.items()}
                answers, bad, writes = await self._during_fault(location)
                ended = time.monotonic()
                ready_s, progress_s = await self._recovery(http, location, ended)
                body = await releases.until_finished(location, self.timeout_s)
            phase_changes = await releases.phase_changes(location)
        unaudited, half_done = await self._check_writes(writes)
        return FaultOutcome(
            fault=self.fault.name,
            release=body,
            answers=answers,
            bad_answers=bad,
            ingress=traffic.served,
            ingress_failures=traffic.failures + reloads_near(self.stack, traffic.failures),
            events=await event_ledger(self.stack),
            writes=Counter(status for _, status in writes),
            unaudited=unaudited,
            half_done=half_done,
            exited=self.stack.dead_processes()
            + [
                f"{name} (restarted)"
                for name, pid in pids.items()
                if name not in self.fault.kills and self.stack.processes[name].pid != pid
            ],
            phase_changes=phase_changes,
            ready_s=ready_s,
            progress_s=progress_s,
            release_s=_duration(body),
            expected_phase=self.expected_phase,
            expected_clusters=self.expected_clusters,
        )

    async def _during_fault(
        self, location: str
    ) -> tuple[dict[str, Counter[str]], list[str], list[tuple[str, int]]]:
        """Inject, and ask every service what a user would while the fault lasts."""
        answers: dict[str, Counter[str]] = defaultdict(Counter)
        bad: list[str] = []
        writes: list[tuple[str, int]] = []
        reads = {
            "release-api": location,
            "cluster-registry": "/v1/clusters",
            "k8s-sync": f"/v1/sync/apps/{self.app}/prod",
            "monitor-gateway": "/v1/alerts",
        }
        await self.fault.begin(self.stack)
        ends = time.monotonic() + self.fault.duration_s
        clients = {name: self._client(name) for name in reads}
        try:
            n = 0
            while time.monotonic() < ends:
                for service, path in reads.items():
                    what = await _ask(clients[service], "GET", path, bad, service)
                    answers[service][what] += 1
                if n % 4 == 0:  # a write every two seconds: an app of its own
                    name = f"{self.app}-w{n // 4}"
                    what = await _ask(
                        clients["release-api"],
                        "POST",
                        "/v1/apps",
                        bad,
                        "release-api",
                        json=app_spec(name),
                    )
                    answers["release-api"][what] += 1
                    writes.append((name, int(what) if what.isdigit() else 0))
                n += 1
                await asyncio.sleep(0.5)
        finally:
            for client in clients.values():
                await client.aclose()
            await self.fault.end(self.stack)
        return answers, bad, writes

    async def _recovery(
        self, http: httpx.AsyncClient, location: str, ended: float
    ) -> tuple[float, float]:
        """Seconds from the fault's end until every service is ready, and until the release
        wrote an event after it (or was over)."""
        seen = await _last_event_id(http, location)
        ready_s = progress_s = -1.0
        while time.monotonic() - ended < 120 and (ready_s < 0 or progress_s < 0):
            now = time.monotonic() - ended
            if ready_s < 0 and all(
                await asyncio.gather(
                    *(asyncio.to_thread(self.stack.ready, n) for n in self.stack.processes)
                )
            ):
                ready_s = now
            if progress_s < 0:
                try:
                    r = await http.get(location)
                    if r.status_code == 200 and (
                        r.json()["phase"] in TERMINAL or await _last_event_id(http, location) > seen
                    ):
                        progress_s = now
                except httpx.TransportError:
                    pass
            await asyncio.sleep(0.1)
        return ready_s, progress_s

    async def _check_writes(self, writes: list[tuple[str, int]]) -> tuple[list[str], list[str]]:
        """An app answered 201 exists, with one audit entry; any other answer left nothing."""
        unaudited, half_done = [], []
        async with self._client("release-api") as http:
            for name, status in writes:
                app = await http.get(f"/v1/apps/{name}")
                audit = (await http.get("/v1/audit", params={"target": name})).json()["items"]
                done = [a for a in audit if a["outcome"] == "succeeded"]
                if status == 201 and (app.status_code != 200 or len(done) != 1):
                    unaudited.append(f"{name}: app {app.status_code}, audit {len(done)}")
                # (no answer at all: either outcome is right)
                if status not in (0, 201) and (app.status_code != 404 or done):
                    half_done.append(f"{name}: answered {status}, app {app.status_code}")
        return unaudited, half_done


def _duration(release: dict[str, Any]) -> float:
    """Seconds from the release's creation to its end, as release-api recorded them."""
    started = datetime.fromisoformat(release["created_at"])
    ended = datetime.fromisoformat(release["finished_at"])
    return (ended - started).total_seconds()


async def _ask(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    bad: list[str],
    service: str,
    **kwargs: Any,
) -> str:
    """One request; its status, or the transport error's name. A 503 must be a problem with
    Retry-After; any other 5xx is wrong."""
    try:
        r = await client.request(method, path, **kwargs)
    except httpx.TransportError as exc:
        return type(exc).__name__
    if r.status_code == 503:
        problem = r.json() if "json" in r.headers.get("content-type", "") else {}
        if not r.headers.get("retry-after") or problem.get("type") != DEPENDENCY_UNAVAILABLE:
            bad.append(f"{service} {method} {path}: 503 {r.headers} {r.text[:200]}")
    elif r.status_code >= 500:
        bad.append(f"{service} {method} {path}: {r.status_code} {r.text[:300]}")
    return str(r.status_code)


async def _last_event_id(http: httpx.AsyncClient, location: str) -> int:
    """The id of the newest event the release has (its event stream, read to the end)."""
    try:
        r = await http.get(f"{location}/events", timeout=5)
    except httpx.HTTPError:
        return -1
    ids = [int(line[4:]) for line in r.text.splitlines() if line.startswith("id: ")]
    return max(ids, default=0)


# --- the faults of the suite -------------------------------------------------------------------


def database_stopped(seconds: float = 10) -> Fault:
    """PostgreSQL shut down (fast: clients are disconnected) and started again."""

    async def begin(stack: LocalStack) -> None:
        assert stack.postgres is not None
        await asyncio.to_thread(stack.postgres.stop)

    async def end(stack: LocalStack) -> None:
        assert stack.postgres is not None
        await asyncio.to_thread(stack.postgres.start)

    return Fault("database-stopped", begin, end, seconds)


def database_restarted(seconds: float = 5) -> Fault:
    """PostgreSQL SIGKILLed with every connection (crash recovery on start) and started again
    at once; the fault's window is what follows."""

    async def begin(stack: LocalStack) -> None:
        assert stack.postgres is not None
        await asyncio.to_thread(stack.postgres.kill)
        await asyncio.to_thread(stack.postgres.start)

    async def end(stack: LocalStack) -> None:
        pass

    return Fault("database-restarted", begin, end, seconds)


def service_killed(*names: str, seconds: float) -> Fault:
    """Service processes SIGKILLed (every replica named) and started again after `seconds`."""

    async def begin(stack: LocalStack) -> None:
        for name in names:
            await asyncio.to_thread(stack.processes[name].kill)

    async def end(stack: LocalStack) -> None:
        await asyncio.gather(*(asyncio.to_thread(stack.restart_service, n) for n in names))

    return Fault(f"{names[0]}-killed", begin, end, seconds, kills=names)


def broker_killed(seconds: float = 10) -> Fault:
    """The Kafka broker SIGKILLed and started again on the same data."""

    async def begin(stack: LocalStack) -> None:
        assert stack.broker is not None
        await asyncio.to_thread(getattr(stack.broker, "kill", stack.broker.stop))

    async def end(stack: LocalStack) -> None:
        assert stack.broker is not None
        await asyncio.to_thread(stack.broker.start)

    return Fault("broker-killed", begin, end, seconds)


def cluster_api_down(cluster: str, *, refuse_s: float = 15, hang_s: float = 15) -> Fault:
    """One cluster's API server refuses connections, then accepts them and never answers."""

    async def begin(stack: LocalStack) -> None:
        assert stack.kubesim is not None
        sim = stack.kubesim.clusters[cluster]
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=sim.ca_file)) as c:
            r = await c.post(
                f"{sim.url}/_kubesim/outage",
                json={
                    "mode": "refuse",
                    "seconds": refuse_s,
                    "then": {"mode": "hang", "seconds": hang_s},
                },
            )
            r.raise_for_status()

    async def end(stack: LocalStack) -> None:
        pass  # kubesim ends both outages by itself

    return Fault("cluster-api-down", begin, end, refuse_s + hang_s)


def runtime_socket_cut(cutters: list[SocketCutter], *, cuts: int = 4, seconds: float = 10) -> Fault:
    """The next `cuts` batches k8s-sync sends to each HAProxy's runtime API (within the
    window) are cut off midway: the connection closes after part of a batch ran."""

    async def begin(stack: LocalStack) -> None:
        for cutter in cutters:
            cutter.arm(cuts)

    async def end(stack: LocalStack) -> None:
        for cutter in cutters:
            cutter.arm(0)

    return Fault("runtime-socket-cut", begin, end, seconds)


# --- the stack they run on, and the suite ------------------------------------------------------


@dataclass
class FaultWorld:
    """The local stack as the fault suite runs it: two release-api and two k8s-sync replicas,
    and k8s-sync reaching each HAProxy's runtime API through a proxy that can cut it."""

    stack: LocalStack
    cutters: dict[str, SocketCutter]

    @classmethod
    def start(cls, state_dir: Path, *, cache_dir: Path) -> FaultWorld:
        state_dir.mkdir(parents=True, exist_ok=True)
        cutters = {
            name: SocketCutter(
                state_dir / f"{name}-cut.sock", state_dir / "haproxy" / name / "admin.sock"
            )
            for name in INGRESS_INSTANCES
        }
        for cutter in cutters.values():
            cutter.start()
        stack = LocalStack.on_free_ports(
            state_dir,
            cache_dir=cache_dir,
            environments=("prod",),
            replicas={"release-api": 2, "k8s-sync": 2},
            runtime_sockets={name: str(c.listen) for name, c in cutters.items()},
        )
        try:
            stack.start()
        except BaseException:
            stack.stop()
            for cutter in cutters.values():
                cutter.stop()
            raise
        return cls(stack, cutters)

    def stop(self) -> None:
        self.stack.stop()
        for cutter in self.cutters.values():
            cutter.stop()

    def faults(self) -> dict[str, Fault]:
        """Issue 15's faults by name (FAULT_NAMES)."""
        return {
            "database-stopped": database_stopped(10),
            "database-restarted": database_restarted(5),
            "registry-killed": service_killed("cluster-registry", seconds=30),
            "broker-killed": broker_killed(10),
            "k8s-sync-killed": service_killed("k8s-sync", "k8s-sync-2", seconds=10),
            "cluster-api-down": cluster_api_down("idc-b-1", refuse_s=15, hang_s=15),
            "runtime-socket-cut": runtime_socket_cut(list(self.cutters.values())),
        }
