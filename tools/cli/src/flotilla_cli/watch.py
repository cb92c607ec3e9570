"""`flotilla release watch` / `status` / `create --watch`: one release followed to its end.

The release's event stream (SSE) is read on a thread, resumed with `Last-Event-ID` after a
drop (flotilla_cli.transport). Each event marks the view stale; the main loop re-reads the
release document (at most every `REFRESH_S`, and every `IDLE_S` without events) and
k8s-sync's view of the app's ingress (with each re-read, at least every `INGRESS_S`), so a
burst of events costs one read, however fast they come (bench/cli_watch.py).

In a terminal the view is a live tree: release → waves → IDCs → clusters with phase, pods
ready/desired, ingress served/expected, analysis verdicts and elapsed times. In a pipe (CI
logs) it is one line per event. Either way it ends with a summary, and the exit code is the
release's outcome (0 succeeded, 1 anything else, 4 when `--timeout` passed first).
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from flotilla_cli.errors import CliError, Exit
from flotilla_cli.operations import Operations
from flotilla_cli.transport import Event

REFRESH_S = 0.3
INGRESS_S = 1.0
IDLE_S = 1.0  # some changes come without an event (a wave's soak starting): re-read anyway
TERMINAL = {"succeeded", "partially-failed", "failed", "aborted", "rolled-back"}
GOOD = {"succeeded"}
BAD = {"failed", "partially-failed", "aborted", "rolled-back", "stopped"}


@dataclass
class Snapshot:
    """What the view shows: the release document and the ingress per cluster."""

    release: dict[str, Any]
    ingress: dict[str, tuple[int, int]] = field(default_factory=dict)  # cluster → served, expected
    events: int = 0
    last_event: str = ""


def ingress_per_cluster(status: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """k8s-sync's app status → cluster → (served by every ingress instance that is up,
    expected): `ready` servers only (draining ones are on their way out)."""
    expected: dict[str, int] = {}
    for server in status.get("desired", []):
        if server.get("state") == "ready":
            expected[server["cluster"]] = expected.get(server["cluster"], 0) + 1
    served: dict[str, int] = {}
    up = [i for i in status.get("instances", []) if i.get("up")]
    for cluster in set(expected) | {s.get("cluster", "") for i in up for s in i["applied"]}:
        if not cluster:
            continue
        counts = [
            sum(
                1 for s in i["applied"] if s.get("cluster") == cluster and s.get("state") == "ready"
            )
            for i in up
        ]
        served[cluster] = min(counts) if counts else 0
    return {c: (served.get(c, 0), expected.get(c, 0)) for c in set(served) | set(expected)}


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def elapsed(start: str | None, end: str | None = None) -> str:
    began = _parse(start)
    if began is None:
        return ""
    finished = _parse(end) or datetime.now(UTC)
    seconds = max(0, int((finished - began).total_seconds()))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _style(state: str | None) -> str:
    if state in GOOD or state == "passed":
        return "green"
    if state in BAD or state == "failed":
        return "red"
    if state in ("waiting-approval", "paused", "inconclusive"):
        return "yellow"
    return "cyan"


def cluster_line(rollout: dict[str, Any], ingress: tuple[int, int] | None) -> str:
    """`idc-a-1  waiting-ingress  pods 2/2  ingress 1/2  0:12  error`, as Rich markup."""
    from rich.markup import escape

    progress = rollout.get("progress") or {}
    desired = progress.get("desired", rollout.get("replicas"))
    ready = progress.get("ready")
    phase = rollout["phase"]
    parts = [f"[bold]{escape(rollout['cluster'])}[/]", f"[{_style(phase)}]{phase}[/]"]
    if ready is not None and desired is not None:
        parts.append(f"pods {ready}/{desired}")
    if ingress is not None:
        parts.append(f"ingress {ingress[0]}/{ingress[1]}")
    took = elapsed(rollout.get("started_at"), rollout.get("finished_at"))
    if took:
        parts.append(f"[dim]{took}[/]")
    if rollout.get("error"):
        parts.append(f"[red]{escape(str(rollout['error'])[:160])}[/]")
    return "  ".join(parts)


def tree(snapshot: Snapshot) -> Any:
    """The release as a Rich tree: release → waves → IDCs → clusters."""
    from rich.markup import escape
    from rich.tree import Tree

    release = snapshot.release
    phase = release["phase"]
    head = (
        f"[bold]{escape(release['app'])}[/] → {escape(release['env'])}  "
        f"{escape(release['image'])}  {release['strategy']}  "
        f"[{_style(phase)}]{phase}[/]  "
        f"[dim]{elapsed(release['created_at'], release.get('finished_at'))}"
        f"  release {release['id'][:8]}[/]"
    )
    root = Tree(head)
    waiting = {r["phase"] for r in release.get("clusters", [])}
    short = f"{release['app']} {release['id'][:8]}"
    if "waiting-promote" in waiting:
        root.add(f"[yellow]waits for promotion: flotilla release promote {escape(short)}[/]")
    if phase == "waiting-approval":
        root.add(f"[yellow]waits for approval: flotilla release approve {escape(short)}[/]")
    by_wave: dict[int, list[dict[str, Any]]] = {}
    for rollout in release.get("clusters", []):
        by_wave.setdefault(int(rollout.get("wave") or 0), []).append(rollout)
    waves = (release.get("plan") or {}).get("waves") or [{"name": "all", "state": phase}]
    for index, wave in enumerate(waves):
        state = wave.get("state")
        label = f"wave {index + 1} [bold]{escape(str(wave.get('name') or index + 1))}[/]"
        label += f"  [{_style(state)}]{state}[/]"
        took = elapsed(wave.get("started_at"), wave.get("done_at"))
        if took:
            label += f"  [dim]{took}[/]"
        if state == "soaking" and wave.get("soak_until"):
            label += f"  soak until {str(wave['soak_until'])[11:19]}"
        analysis = wave.get("analysis") or {}
        if analysis:
            verdict = analysis.get("state") or "measuring"
            checks = ", ".join(
                f"{name} {c.get('verdict') or str(c.get('samples', 0)) + ' samples'}"
                for name, c in (analysis.get("checks") or {}).items()
            )
            label += f"  analysis [{_style(verdict)}]{verdict}[/]" + (
                f" ({escape(checks)})" if checks else ""
            )
        decision = wave.get("decision") or {}
        if state == "waiting-approval":
            label += f"  [yellow]needs approval: {escape(str(decision.get('approvers', '')))}[/]"
        node = root.add(label)
        by_idc: dict[str, list[dict[str, Any]]] = {}
        for rollout in by_wave.get(index, []):
            by_idc.setdefault(rollout.get("idc") or "-", []).append(rollout)
        for idc in sorted(by_idc):
            idc_node = node.add(f"[dim]IDC[/] {escape(idc)}")
            for rollout in sorted(by_idc[idc], key=lambda r: r["cluster"]):
                idc_node.add(cluster_line(rollout, snapshot.ingress.get(rollout["cluster"])))
    return root


def event_line(event: Event, started: float) -> str:
    """One event as a line of a CI log: time, offset, what, where."""
    data = event.data if isinstance(event.data, dict) else {}
    kind = event.event.removeprefix("io.flotilla.")
    now = datetime.now(UTC).strftime("%H:%M:%S")
    where = data.get("cluster") or (
        f"wave {data['wave'] + 1}" if isinstance(data.get("wave"), int) else ""
    )
    details = []
    if "phase" in data:
        before = data.get("previous_phase")
        details.append(f"{before} → {data['phase']}" if before else str(data["phase"]))
    if "ready" in data and "desired" in data:
        details.append(f"ready {data['ready']}/{data['desired']} updated {data.get('updated')}")
    for key in ("held", "verdict", "check", "by", "reason", "comment"):
        if data.get(key) not in (None, ""):
            details.append(f"{key}={data[key]}")
    if data.get("errors"):
        details.append("errors: " + "; ".join(f"{c}: {e}" for c, e in data["errors"].items()))
    offset = time.monotonic() - started
    return f"{now} +{offset:6.1f}s  {kind:<28} {where:<12} {' '.join(details)}".rstrip()


def summary(release: dict[str, Any]) -> str:
    lines = [
        f"release {release['id']} of {release['app']} to {release['env']}: {release['phase']}"
        f" after {elapsed(release['created_at'], release.get('finished_at'))}"
    ]
    for rollout in sorted(
        release.get("clusters", []), key=lambda r: (r.get("wave", 0), r["cluster"])
    ):
        line = f"  {rollout['cluster']:<16} {rollout.get('idc') or '-':<10} {rollout['phase']}"
        if rollout.get("error"):
            line += f"  {rollout['error']}"
        lines.append(line)
    return "\n".join(lines)


def outcome(release: dict[str, Any]) -> Exit:
    """0 when the release did what it was asked: succeeded, or for a rollback (`rollback_of`),
    rolled back everywhere; 1 otherwise."""
    if release["phase"] == "succeeded":
        return Exit.OK
    if release["phase"] == "rolled-back" and release.get("rollback_of"):
        return Exit.OK
    return Exit.FAILED


class Follower:
    """Reads the stream on a thread; the caller's loop refreshes and draws."""

    def __init__(self, ops: Operations, stream_ops: Operations, app: str, release_id: str):
        self.ops = ops
        self.app = app
        self.release_id = release_id
        self.events: queue.Queue[Event | BaseException | None] = queue.Queue()
        self._stream_ops = stream_ops
        self._thread = threading.Thread(target=self._read, daemon=True, name="sse")

    def start(self) -> None:
        self._thread.start()

    def _read(self) -> None:
        """Events until the release has ended and the stream has sent all of them. A stream
        that ends while the release has not (a proxy's idle timeout closing it cleanly) is
        resumed after the last event's id; the transport resumes one that breaks."""
        last: str | None = None
        final = False
        ops = self._stream_ops  # this thread's own client
        try:
            while True:
                for event in ops.follow_release(
                    app=self.app, release_id=self.release_id, last_event_id=last
                ):
                    if event.id is not None:
                        last = event.id
                    self.events.put(event)
                if final:
                    break
                if ops.get_release(app=self.app, release_id=self.release_id)["phase"] in TERMINAL:
                    final = True  # one more pass: whatever the stream holds after `last`
                else:
                    time.sleep(0.5)
            self.events.put(None)
        except BaseException as exc:  # handed to the main thread, which reports it
            self.events.put(exc)

    def release(self) -> dict[str, Any]:
        doc: dict[str, Any] = self.ops.get_release(app=self.app, release_id=self.release_id)
        return doc

    def ingress(self, env: str) -> dict[str, tuple[int, int]]:
        try:
            status = self.ops.app_sync_status(app=self.app, env=env)
        except CliError:
            return {}  # k8s-sync away or the app not routed yet: the tree shows no ingress
        return ingress_per_cluster(status)


def follow(
    follower: Follower,
    *,
    live: bool,
    timeout_s: float | None,
    out: TextIO = sys.stdout,
    on_event: Callable[[Event], None] | None = None,
    quiet: bool = False,
) -> Exit:
    """Follow until the release ends (its outcome), or `timeout_s` passes (4)."""
    started = time.monotonic()
    deadline = started + timeout_s if timeout_s else None
    snapshot = Snapshot(follower.release())
    snapshot.ingress = follower.ingress(snapshot.release["env"])
    follower.start()
    refreshed = ingress_at = time.monotonic()
    stale = False
    ended = False
    last_phase = snapshot.release["phase"]
    if quiet:
        out.write(f"{snapshot.release['app']} → {snapshot.release['env']}: {last_phase}\n")
        out.flush()

    display: Any = None
    if live:
        from rich.console import Console
        from rich.live import Live

        holder = _Holder(snapshot)
        console = Console(file=out, force_terminal=True)  # live: the caller saw a terminal
        display = Live(holder, console=console, refresh_per_second=4, transient=False)
        display.start()
    try:
        while True:
            wait = REFRESH_S
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - time.monotonic()))
            item: Event | BaseException | None | str
            try:
                item = follower.events.get(timeout=wait)
            except queue.Empty:
                item = "tick"  # nothing new: only the clocks move
            while True:  # drain a burst: one refresh for all of it
                if item is None:
                    ended = True
                elif isinstance(item, BaseException):
                    raise item
                elif isinstance(item, Event):
                    stale = True
                    snapshot.events += 1
                    snapshot.last_event = item.event
                    if on_event is not None:
                        on_event(item)
                    if not live and not quiet:
                        out.write(event_line(item, started) + "\n")
                        out.flush()
                try:
                    item = follower.events.get_nowait()
                except queue.Empty:
                    break
            now = time.monotonic()
            if ended or (stale and now - refreshed >= REFRESH_S) or now - refreshed >= IDLE_S:
                snapshot = Snapshot(
                    follower.release(), snapshot.ingress, snapshot.events, snapshot.last_event
                )
                refreshed, stale = now, False
            if now - ingress_at >= INGRESS_S or refreshed == now:  # with each new document
                snapshot.ingress = follower.ingress(snapshot.release["env"])
                ingress_at = now
            if display is not None:
                holder.snapshot = snapshot
                display.refresh()
            phase = snapshot.release["phase"]
            if quiet and phase != last_phase:
                out.write(f"{snapshot.release['app']} → {snapshot.release['env']}: {phase}\n")
                out.flush()
            last_phase = phase
            if ended:
                break
            if deadline is not None and time.monotonic() >= deadline:
                if display is not None:
                    display.stop()
                    display = None
                out.write(summary(snapshot.release) + "\n")
                raise CliError(
                    f"release {snapshot.release['id']} is still {phase} after {timeout_s:g} s",
                    Exit.TIMEOUT,
                )
    finally:
        if display is not None:
            display.stop()
    out.write(summary(snapshot.release) + "\n")
    out.flush()
    code = outcome(snapshot.release)
    if code != Exit.OK:
        release = snapshot.release
        failed = [
            f"{r['cluster']}: {r['error'] or r['phase']}"
            for r in release["clusters"]
            if r["phase"] not in ("succeeded",)
        ]
        sys.stderr.write(
            f"error: release {release['id']} ended {release['phase']}"
            + (f" ({'; '.join(failed)})" if failed else "")
            + "\n"
        )
    return code


class _Holder:
    """What Live draws: the latest snapshot, re-rendered (elapsed times tick) on each refresh."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def __rich__(self) -> Any:
        return tree(self.snapshot)
