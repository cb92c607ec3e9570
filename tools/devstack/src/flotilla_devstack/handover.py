"""SIGTERM to the release-api replica that runs the rollouts, mid-release (issue 15's graceful
shutdown): with an event stream open on it and a request still being sent to it, under
traffic, on a stack with two release-api replicas (flotilla_devstack.faults.FaultWorld).

`sigterm_the_runner()` does it and gathers what the fault suite asserts and
bench/fault_recovery.py reports: how the stream ended and whether it resumed on the other
replica without a gap or a repeat, whether the request in flight was answered, how long until
the stream ended, another replica held the rollouts' lock and the process was gone, and how
the release ended.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from flotilla_devstack.stack import LocalStack
from flotilla_devstack.workload import Releases, Traffic, app_spec

REPLICAS = ("release-api", "release-api-2")
LEADER_METRIC = 'flotilla_leader{lock="leader:release-api-runner"} 1.0'
Seen = list[tuple[int, str]]  # (event id, event name) as a stream delivered them


@dataclass
class Handover:
    stopped: str  # the replica that got SIGTERM
    on_stopped: Seen  # the stream on it, to its end
    resumed: Seen  # the stream on the other one, from the last id the first delivered
    everything: Seen  # the release's whole stream, read afterwards
    in_flight: int  # status of the request that was being sent as the signal arrived
    in_flight_kept: bool  # what it created exists afterwards
    stream_end_s: float
    handover_s: float  # until the other replica held the runner's lock
    exit_s: float
    release: dict[str, Any]
    phase_changes: Counter[str]
    served: list[Counter[str]]
    log: str  # the stopped replica's log

    @property
    def failed_requests(self) -> int:
        return sum(n for seen in self.served for what, n in seen.items() if what != "ok")

    def summary(self) -> dict[str, float]:
        return {
            "sigterm_stream_end_s": round(self.stream_end_s, 2),
            "sigterm_handover_s": round(self.handover_s, 2),
            "sigterm_exit_s": round(self.exit_s, 2),
        }


async def leader(http: httpx.AsyncClient, replicas: dict[str, str]) -> str | None:
    """The replica whose /metrics says it holds the rollout runner's lock."""
    for name, url in replicas.items():
        try:
            if LEADER_METRIC in (await http.get(f"{url}/metrics")).text:
                return name
        except httpx.TransportError:
            continue
    return None


async def follow(http: httpx.AsyncClient, url: str, after: int, seen: Seen) -> None:
    """Read a release's event stream to its end: (id, event) of each, `reconnect` included."""
    headers = {"Last-Event-ID": str(after)} if after else {}
    async with http.stream("GET", url, headers=headers, timeout=None) as r:
        r.raise_for_status()
        ident, event = 0, ""
        async for line in r.aiter_lines():
            if line.startswith("id: "):
                ident = int(line[4:])
            elif line.startswith("event: "):
                event = line[7:]
            elif line == "" and event:
                seen.append((ident, event))
                ident, event = 0, ""


async def slow_write(http: httpx.AsyncClient, url: str, name: str) -> int:
    """Create an app with a body that trickles in over 1.5 s (in flight when the signal comes)."""
    body = json.dumps(app_spec(name)).encode()
    step = len(body) // 6 + 1

    async def trickle() -> AsyncIterator[bytes]:
        for i in range(0, len(body), step):
            yield body[i : i + step]
            await asyncio.sleep(0.25)

    r = await http.post(url, content=trickle(), headers={"content-type": "application/json"})
    return r.status_code


async def sigterm_the_runner(stack: LocalStack, app: str) -> Handover:
    """Release `app` once, then again; while a cluster rolls out, SIGTERM the replica that
    runs the rollouts; start it again at the end (the stack stays as it was)."""
    replicas = {n: stack.urls[n] for n in REPLICAS}
    async with httpx.AsyncClient(headers=stack.admin_headers(), timeout=30) as http:
        stopped = await leader(http, replicas)
        if stopped is None:
            raise AssertionError("no release-api replica holds the runner's lock")
        other = next(n for n in replicas if n != stopped)
        http.base_url = httpx.URL(replicas[other])
        releases = Releases(http, app)
        await releases.create_app()
        await releases.until_finished(await releases.start("1"))
        async with Traffic(stack, app) as traffic:
            location = await releases.start("2")
            await releases.until_phase(location, "waiting-ready")
            on_stopped: Seen = []
            stream = asyncio.create_task(
                follow(http, f"{replicas[stopped]}{location}/events", 0, on_stopped)
            )
            write = asyncio.create_task(
                slow_write(http, f"{replicas[stopped]}/v1/apps", f"{app}-inflight")
            )
            await asyncio.sleep(0.5)
            signalled = time.monotonic()
            stopping = asyncio.create_task(asyncio.to_thread(stack.processes[stopped].stop, 30))
            await asyncio.wait_for(asyncio.shield(stream), 15)
            stream_end_s = time.monotonic() - signalled
            while await leader(http, {other: replicas[other]}) is None:
                if time.monotonic() - signalled > 30:
                    raise AssertionError("no replica took the rollouts over within 30 s")
                await asyncio.sleep(0.1)
            handover_s = time.monotonic() - signalled
            await stopping
            exit_s = time.monotonic() - signalled
            in_flight = await write
            resumed: Seen = []
            last = max((i for i, _ in on_stopped), default=0)
            await follow(http, f"{replicas[other]}{location}/events", last, resumed)
            body = await releases.until_finished(location)
        everything: Seen = []
        await follow(http, f"{replicas[other]}{location}/events", 0, everything)
        kept = (await http.get(f"/v1/apps/{app}-inflight")).status_code == 200
        changes = await releases.phase_changes(location)
    await asyncio.to_thread(stack.restart_service, stopped)
    return Handover(
        stopped=stopped,
        on_stopped=on_stopped,
        resumed=resumed,
        everything=everything,
        in_flight=in_flight,
        in_flight_kept=kept,
        stream_end_s=stream_end_s,
        handover_s=handover_s,
        exit_s=exit_s,
        release=body,
        phase_changes=changes,
        served=traffic.served,
        log=(stack.state_dir / "logs" / f"{stopped}.log").read_text(),
    )
