"""What the ingress served, per application, cluster and stage: HAProxy's request log, counted.

Automated analysis judges a new version by the answers users got from it through the unified
ingress. HAProxy's own statistics (`show stat`, its Prometheus exporter) are per server *slot*
and give response times only as an average of the last 1,024 requests — no percentile, and a
slot changes pods as the pods change. So each instance also logs every request, one datagram
per request in a fixed format, to a unix socket beside its runtime API (`traffic.sock` in its
configuration directory; HAProxy: `log <path> format raw`, `log-format "%b %si %sp %ST %Ta"`):
the backend, the address and port of the server that answered, the status, and the time HAProxy
was busy with it (`%Ta`, milliseconds: the request's lifetime without the idle time before it).

The replica of k8s-sync that holds the leader lock binds every instance's socket and counts:
the backend names the (app, env) (and the gray twin the stage), the server's address and port
name the endpoint — and so its cluster and stage — in the desired state k8s-sync already keeps.
Counting by address rather than by slot means a slot that changed pods since cannot attribute
one pod's answers to another. Answers no endpoint can be found for (the pod left the desired
state in the meantime, or HAProxy answered itself: `-` as server) are counted with an empty
cluster, so an application's totals still hold them.

Series (on /metrics; Prometheus scrapes them, monitor-gateway queries them):
`flotilla_ingress_http_responses_total{app,env,cluster,stage,code}` (code: 1xx … 5xx, other) and
`flotilla_ingress_http_request_duration_seconds{app,env,cluster,stage}` (a histogram, so p99 is
`histogram_quantile` over any window). A follower binds nothing; when the lock moves, the new
leader takes the socket over (a few requests sent in between are not counted: the log is UDP-like
by design, and a lost line never blocks HAProxy).

Cost: one datagram per request. HAProxy's `log ... sample <ranges>:<size>` can thin it out on a
busy ingress; the counts then are a sample (ratios and quantiles stay meaningful).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import structlog
from prometheus_client import Counter, Histogram

from k8s_sync.sync.routes import GRAY_SUFFIX

log = structlog.get_logger(__name__)

LOG_FORMAT = "%b %si %sp %ST %Ta"
INDEX_FRESH_S = 1.0  # how long a backend's address → endpoint index is reused

RESPONSES = Counter(
    "flotilla_ingress_http_responses",
    "Answers the ingress gave, by application, cluster, stage and status class.",
    ["app", "env", "cluster", "stage", "code"],
)
DURATION = Histogram(
    "flotilla_ingress_http_request_duration_seconds",
    "How long the ingress was busy with a request (HAProxy's %Ta), by application, cluster and "
    "stage.",
    ["app", "env", "cluster", "stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0),
)
LINES = Counter(
    "flotilla_ingress_log_lines",
    "Request log lines read, by what became of them (counted, unattributed, malformed, "
    "ignored: the no-route backend).",
    ["result"],
)

Endpoints = Callable[
    [str], list[tuple[str, int, str, str]]
]  # backend → (addr, port, cluster, stage)


def code_class(status: str) -> str:
    return f"{status[0]}xx" if len(status) == 3 and status[0] in "12345" else "other"


class TrafficCounter:
    """Turns log lines into the series above. Pure but for the metrics it increments."""

    def __init__(self, endpoints: Endpoints) -> None:
        self._endpoints = endpoints
        self._index: dict[str, tuple[float, dict[tuple[str, int], tuple[str, str]]]] = {}

    def line(self, text: str) -> str:
        """Count one line; returns what became of it (for tests and LINES)."""
        parts = text.split()
        if len(parts) != 5:
            # HAProxy's own notices go to the same log ("Proxy … stopped" at a reload)
            return "ignored" if text.startswith("Proxy ") else "malformed"
        backend, address, port, status, active_ms = parts
        name, gray, _ = backend.partition(GRAY_SUFFIX)
        app, dot, env = name.partition(".")
        if not dot or not app or not env:
            return "ignored"  # flotilla-no-route, or nothing we render
        try:
            seconds = max(0.0, int(active_ms) / 1000)
        except ValueError:
            return "malformed"
        cluster, stage = self._where(backend, address, port)
        if gray:
            stage = "gray"
        RESPONSES.labels(app, env, cluster, stage, code_class(status)).inc()
        DURATION.labels(app, env, cluster, stage).observe(seconds)
        return "counted" if cluster else "unattributed"

    def _where(self, backend: str, address: str, port: str) -> tuple[str, str]:
        now = time.monotonic()
        cached = self._index.get(backend)
        if cached is None or now - cached[0] > INDEX_FRESH_S:
            index = {(a, p): (c, s) for a, p, c, s in self._endpoints(backend)}
            if len(self._index) > 4096:
                self._index.clear()
            cached = self._index[backend] = (now, index)
        try:
            return cached[1].get((address, int(port)), ("", ""))
        except ValueError:
            return "", ""


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, counter: TrafficCounter) -> None:
        self.counter = counter
        self.told = False

    def datagram_received(self, data: bytes, addr: object) -> None:
        for raw in data.decode("utf-8", "replace").splitlines():
            if raw.strip():
                result = self.counter.line(raw)
                LINES.labels(result).inc()
                if result == "malformed" and not self.told:
                    self.told = True  # once per leadership: the format is HAProxy's to keep
                    log.warning("traffic_log_malformed", line=raw[:200])


class TrafficLog:
    """Worker: binds the instances' log sockets while this replica leads, and counts."""

    name = "ingress-traffic"

    def __init__(
        self, sockets: list[Path], endpoints: Endpoints, is_leader: Callable[[], bool]
    ) -> None:
        self.sockets = sockets
        self.counter = TrafficCounter(endpoints)
        self.is_leader = is_leader
        self._bound: dict[Path, asyncio.DatagramTransport] = {}

    async def run(self) -> None:
        try:
            while True:
                if self.is_leader():
                    for path in self.sockets:
                        if path not in self._bound and path.parent.is_dir():
                            await self._bind(path)
                else:
                    self._close()
                await asyncio.sleep(1.0)
        finally:
            self._close()

    async def _bind(self, path: Path) -> None:
        sock = _open(path)
        if sock is None:
            return
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Receiver(self.counter), sock=sock
        )
        self._bound[path] = transport
        log.info("traffic_log_bound", socket=str(path))

    def _close(self) -> None:
        for transport in self._bound.values():
            transport.close()
        self._bound = {}


def _open(path: Path) -> socket.socket | None:
    """A datagram socket bound at `path` (a file left there by the previous leader, or by a
    killed process, is taken over), or None when it cannot be."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sock.bind(str(path))
        os.chmod(path, 0o660)  # HAProxy shares k8s-sync's group, as for the runtime API
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    except OSError as exc:
        sock.close()
        log.warning("traffic_log_unbound", socket=str(path), error=repr(exc))
        return None
    return sock
