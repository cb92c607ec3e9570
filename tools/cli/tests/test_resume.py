"""A release's stream that drops is resumed after the last event, none missed or repeated:
cleanly closed while the release runs (a proxy's idle timeout), or broken mid-chunk. A
loopback stand-in for release-api plays the stream (the follow logic's test)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

from flotilla_cli.operations import Operations
from flotilla_cli.transport import Event, Transport
from flotilla_cli.watch import Follower

RID = "3f2a91c0-0000-4000-8000-000000000000"


class Server:
    """Connection n of the stream sends `plans[n]` (event ids) then closes cleanly, or, when
    `broken[n]`, in the middle of a chunk. The release is `running` until the last plan."""

    def __init__(self, plans: list[list[int]], broken: list[bool]) -> None:
        self.plans = plans
        self.broken = broken
        self.asked_after: list[str | None] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            head = request.decode().split("\r\n")
            path = head[0].split()[1]
            headers = {
                h.split(":", 1)[0].lower(): h.split(":", 1)[1].strip() for h in head[1:] if ":" in h
            }
            if path.endswith("/events"):
                n = len(self.asked_after)
                self.asked_after.append(headers.get("last-event-id"))
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                    b"transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                )
                for ident in self.plans[n] if n < len(self.plans) else []:
                    body = f"id: {ident}\nevent: e\ndata: {json.dumps({'n': ident})}\n\n".encode()
                    conn.sendall(f"{len(body):x}\r\n".encode() + body + b"\r\n")
                if n < len(self.broken) and self.broken[n]:
                    conn.sendall(b'40\r\nid: 99\nevent: e\ndata: {"n"')  # cut mid-chunk
                    return
                conn.sendall(b"0\r\n\r\n")
                return
            done = len(self.asked_after) >= len(self.plans)
            doc = json.dumps({"id": RID, "phase": "succeeded" if done else "running"}).encode()
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
                + f"content-length: {len(doc)}\r\n\r\n".encode()
                + doc
            )

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    plans, broken = request.param
    srv = Server(plans, broken)
    yield srv
    srv.close()


def _events(srv: Server) -> list[int]:
    ops = Operations(Transport({"release-api": srv.url}, None, timeout_s=5))
    follower = Follower(ops, Operations(Transport({"release-api": srv.url}, None)), "shop", RID)
    follower.start()
    got: list[int] = []
    while True:
        item = follower.events.get(timeout=20)
        if item is None:
            return got
        assert isinstance(item, Event), item
        got.append(item.data["n"])


@pytest.mark.parametrize(
    "server",
    [
        pytest.param(([[1, 2], [3], []], [False, False, False]), id="closed-cleanly"),
        pytest.param(([[1, 2], [3], []], [True, False, False]), id="broken-mid-chunk"),
    ],
    indirect=True,
)
def test_a_dropped_stream_resumes_after_its_last_event(server: Server) -> None:
    assert _events(server) == [1, 2, 3]
    assert server.asked_after[:2] == [None, "2"]
    assert server.asked_after[2] == "3"
