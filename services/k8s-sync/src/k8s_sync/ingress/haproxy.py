"""HAProxy runtime API driver: add, drain, weigh, disable and delete servers without reloads.

Facts this driver relies on (shared/reference/haproxy-runtime-api.md, HAProxy 2.6.12):
- One persistent connection in `prompt` mode; commands are pipelined, one per line, and every
  reply ends with `\\n> `. Replies are split on that and stripped (trailing blank lines vary).
- `add server` needs an admin socket and a backend with a dynamic algorithm; `default-server`
  is never inherited, so every keyword is sent; never `enabled`/`disabled` (haproxy#2497); an
  explicit stable `id` avoids haproxy#3413. A new server starts in maintenance: `set server
  ... state ready` puts it in service.
- Delete only from maintenance and without connections: drain first, then `maint`, then `del
  server`. `No such server.` on delete means it is gone already: success.
- `show servers state <backend>`: a version line, a `#` header naming the columns, rows.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROMPT = b"\n> "
NAME = re.compile(r"^[A-Za-z0-9._:-]{1,63}$")
ADMIN_MAINT = 0x01
ADMIN_DRAIN = 0x08
OP_STATES = {0: "stopped", 1: "starting", 2: "running", 3: "stopping"}


class HAProxyError(Exception):
    """The runtime API is unreachable or broke the framing."""


class HAProxyCommandError(HAProxyError):
    """HAProxy refused a command; the message is its reply."""

    def __init__(self, command: str, reply: str) -> None:
        super().__init__(f"{command!r}: {reply}")
        self.command = command
        self.reply = reply


@dataclass(frozen=True)
class ServerState:
    backend: str
    name: str
    address: str
    port: int
    server_id: int
    op_state: str
    admin_state: int
    weight: int

    @property
    def state(self) -> str:
        """ready | drain | maint, as Flotilla names the states it sets."""
        if self.admin_state & (ADMIN_MAINT | 0x02 | 0x04 | 0x20):
            return "maint"
        if self.admin_state & (ADMIN_DRAIN | 0x10):
            return "drain"
        return "ready"


# Replies that mean success for the commands we send (everything else is an error).
_OK = ("", "New server registered.", "Server deleted.")


class HAProxyRuntime:
    def __init__(self, address: str, *, timeout_s: float = 5.0) -> None:
        """`address`: a unix socket path, or `host:port` for a TCP stats socket."""
        self.address = address
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> None:
        if "/" in self.address or Path(self.address).suffix == ".sock":
            reader, writer = await asyncio.open_unix_connection(self.address)
        else:
            host, _, port = self.address.rpartition(":")
            reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"prompt\n")
        await writer.drain()
        await reader.readuntil(b"> ")
        self._reader, self._writer = reader, writer

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    async def execute(self, commands: Sequence[str]) -> list[str]:
        """Send the commands pipelined; one reply each, in order. Reconnects once if the
        connection was lost (HAProxy restarted, or closed an idle socket)."""
        if not commands:
            return []
        for command in commands:
            if "\n" in command or ";" in command:
                raise ValueError(f"one command per entry, no newlines or ';': {command!r}")
        async with self._lock:
            for attempt in (1, 2):
                try:
                    if self._writer is None:
                        await self._connect()
                    async with asyncio.timeout(self.timeout_s + 0.001 * len(commands)):
                        return await self._roundtrip(commands)
                except (ConnectionError, OSError, asyncio.IncompleteReadError) as exc:
                    await self.close()
                    if attempt == 2:
                        raise HAProxyError(f"runtime API at {self.address}: {exc!r}") from exc
                except TimeoutError as exc:
                    await self.close()
                    raise HAProxyError(f"runtime API at {self.address} timed out") from exc
        raise AssertionError("unreachable")

    async def _roundtrip(self, commands: Sequence[str]) -> list[str]:
        assert self._reader is not None
        assert self._writer is not None
        self._writer.write(("\n".join(commands) + "\n").encode())
        await self._writer.drain()
        replies = []
        for _ in commands:
            raw = await self._reader.readuntil(PROMPT)
            replies.append(raw[: -len(PROMPT)].decode(errors="replace").strip())
        return replies

    async def run(self, commands: Sequence[str]) -> None:
        """Execute and raise on the first reply that is not a success."""
        for command, reply in zip(commands, await self.execute(commands), strict=True):
            if reply not in _OK and not (
                command.startswith("del server") and reply == "No such server."
            ):
                raise HAProxyCommandError(command, reply)

    # --- reading ----------------------------------------------------------------------------

    async def info(self) -> dict[str, str]:
        (reply,) = await self.execute(["show info"])
        info = {}
        for line in reply.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                info[key.strip()] = value.strip()
        return info

    async def servers(self, backend: str) -> list[ServerState]:
        (reply,) = await self.execute([f"show servers state {backend}"])
        lines = [ln for ln in reply.splitlines() if ln.strip()]
        if lines and not lines[0].startswith(("1", "#")):
            raise HAProxyCommandError(f"show servers state {backend}", reply)
        header = next((ln for ln in lines if ln.startswith("#")), None)
        if header is None:
            return []
        columns = header.lstrip("# ").split()
        out = []
        for line in lines[lines.index(header) + 1 :]:
            row = dict(zip(columns, line.split(), strict=False))
            out.append(
                ServerState(
                    backend=row["be_name"],
                    name=row["srv_name"],
                    address=row["srv_addr"],
                    port=int(row.get("srv_port", "0")),
                    server_id=int(row["srv_id"]),
                    op_state=OP_STATES.get(int(row["srv_op_state"]), row["srv_op_state"]),
                    admin_state=int(row["srv_admin_state"]),
                    weight=int(row["srv_uweight"]),
                )
            )
        return out

    # --- writing ----------------------------------------------------------------------------

    @staticmethod
    def add_commands(
        backend: str,
        name: str,
        address: str,
        port: int,
        *,
        server_id: int,
        weight: int = 100,
        state: str = "ready",
    ) -> list[str]:
        _check(backend, name)
        return [
            f"add server {backend}/{name} {address}:{port} id {server_id} weight {weight}",
            f"set server {backend}/{name} state {state}",
        ]

    @staticmethod
    def state_command(backend: str, name: str, state: str) -> str:
        _check(backend, name)
        if state not in ("ready", "drain", "maint"):
            raise ValueError(f"unknown server state {state!r}")
        return f"set server {backend}/{name} state {state}"

    @staticmethod
    def weight_command(backend: str, name: str, weight: int) -> str:
        _check(backend, name)
        return f"set server {backend}/{name} weight {int(weight)}"

    @staticmethod
    def delete_commands(backend: str, name: str) -> list[str]:
        _check(backend, name)
        return [f"set server {backend}/{name} state maint", f"del server {backend}/{name}"]

    async def delete(self, backend: str, name: str) -> bool:
        """Take a server out and delete it; False if it did not exist (which is fine)."""
        commands = self.delete_commands(backend, name)
        replies = await self.execute(commands)
        if all(r == "No such server." for r in replies):
            return False
        for command, reply in zip(commands, replies, strict=True):
            if reply not in _OK:
                raise HAProxyCommandError(command, reply)
        return True

    async def connections(self, backend: str) -> dict[str, int]:
        """Current sessions plus queued requests per server (0 means safe to delete)."""
        (reply,) = await self.execute([f"show stat {backend} 4 -1"])
        lines = [ln for ln in reply.splitlines() if ln.strip()]
        if not lines or not lines[0].startswith("#"):
            return {}
        columns = lines[0].lstrip("# ").split(",")
        out = {}
        for line in lines[1:]:
            row = dict(zip(columns, line.split(","), strict=False))
            out[row["svname"]] = int(row.get("scur") or 0) + int(row.get("qcur") or 0)
        return out


def _check(backend: str, name: str) -> None:
    for value in (backend, name):
        if not NAME.match(value):
            raise ValueError(f"invalid HAProxy name {value!r} ([A-Za-z0-9._:-], ≤ 63)")
