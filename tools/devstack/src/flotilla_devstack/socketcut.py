"""A unix-socket proxy in front of HAProxy's runtime API that can cut a connection mid-batch.

k8s-sync pipelines its runtime-API commands (one write of many lines per batch). A real
connection can close in the middle of one: HAProxy reloaded or restarted, a `stats timeout`, a
worker killed. To make that happen on demand, fault tests point k8s-sync at this proxy
(`LocalStack.runtime_sockets`, k8s-sync's `runtime_connect`) and `arm(n)` it: each of the next
`n` writes of two or more command lines that pass through is forwarded only up to the end of
its first line plus half of the next, and both sides of that connection are closed — HAProxy
has run the first command, sees a truncated second one, and the sender gets no reply to the
rest.

`stall(True)` makes the socket hang instead: connections are still accepted, but what the
sender writes is swallowed (HAProxy never sees it) and nothing comes back, as when HAProxy's
runtime API stops answering while its data plane goes on serving; `stall(False)` lets new
writes through again (the swallowed ones are gone: a stalled API ran nothing).

It runs on a thread of its own with its own event loop, so it keeps forwarding while the
caller's loop is busy (or blocked in a synchronous fixture).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path


class SocketCutter:
    def __init__(self, listen: Path, target: Path) -> None:
        self.listen = listen
        self.target = target
        self.cuts = 0
        self.connections = 0
        self._armed = 0  # batches still to cut
        self._stalled = False
        self.swallowed = 0  # writes swallowed while stalled
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failed: BaseException | None = None

    def start(self) -> None:
        self.listen.unlink(missing_ok=True)
        self._thread = threading.Thread(target=self._serve, name=f"cutter:{self.listen.name}")
        self._thread.daemon = True
        self._thread.start()
        if not self._started.wait(10) or self._failed is not None:
            raise RuntimeError(f"socket proxy at {self.listen} did not start: {self._failed!r}")

    def stop(self) -> None:
        """Close the listener and every relayed connection, then end the thread's loop (no
        task or stream is left for the garbage collector to find on a closed loop)."""
        loop = self._loop
        if loop is not None and self._server is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self.listen.unlink(missing_ok=True)

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    def arm(self, cuts: int) -> None:
        """Cut the next `cuts` batches (0: none any more)."""
        with self._lock:
            self._armed = cuts

    def stall(self, on: bool) -> None:
        """Swallow every write from now on (True), or forward them again (False)."""
        with self._lock:
            self._stalled = on

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_unix_server(self._relay, path=str(self.listen))
            )
            self.listen.chmod(0o600)
        except BaseException as exc:
            self._failed = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_r, server_w = await asyncio.open_unix_connection(str(self.target))
        except OSError:
            client_w.close()
            return
        upstream = asyncio.create_task(self._forward(client_r, server_w, client_w, cut=True))
        downstream = asyncio.create_task(self._forward(server_r, client_w, server_w, cut=False))
        try:
            await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # stop(): the connection ends with the proxy (asyncio's callback reads it)
        finally:
            for task in (upstream, downstream):
                task.cancel()
            await asyncio.gather(upstream, downstream, return_exceptions=True)
            for writer in (client_w, server_w):
                writer.close()
                with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                    await writer.wait_closed()

    async def _forward(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
        *,
        cut: bool,
    ) -> None:
        while data := await reader.read(65536):
            armed = stalled = False
            if cut:
                with self._lock:
                    stalled = self._stalled
                    if not stalled and data.count(b"\n") >= 2:
                        armed, self._armed = self._armed > 0, max(0, self._armed - 1)
            if stalled:
                self.swallowed += 1
                continue
            if armed:
                first = data.index(b"\n") + 1
                second = data.index(b"\n", first) + 1
                writer.write(data[: first + (second - first) // 2])
                await writer.drain()
                self.cuts += 1
                other.transport.abort()  # the sender's connection ends mid-batch
                writer.close()  # HAProxy gets the part already written, then the end
                return
            writer.write(data)
            await writer.drain()
