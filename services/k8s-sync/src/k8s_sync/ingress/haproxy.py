"""HAProxy runtime API driver: fill, drain, weigh and free server slots, and edit maps.

Facts this driver relies on (HAProxy 2.6.12, measured; the README's "The unified ingress"):
- One persistent connection in `prompt` mode; commands are pipelined, one per line, and every
  reply ends with `\\n> `. Replies are split on that and stripped (trailing blank lines vary).
- Servers are the slots of the rendered configuration (`server s<i> ... disabled`), so
  nothing is added or deleted at run time: a slot gets a pod with `set server B/S addr A port P`,
  its weight, then `state ready`; it is drained with `state drain` and freed with `state maint`.
- `show servers state <backend>`: a version line, a `#` header naming the columns, rows.
  `srv_admin_state` is a bitmask: 0x01 forced maintenance, 0x02 inherited, 0x04 "configured
  disabled" (stays set on a slot rendered `disabled` even once it is put in service, so it
  alone does not mean maintenance), 0x08 forced drain, 0x10 inherited drain, 0x20 DNS.
- Maps (`add map`, `del map`, `show map`) change routing without a reload; the map is named by
  the file path the configuration loaded it from.
- After a reload the persistent connection still reaches the old worker: `close()` it, and the
  next command reaches the new one (the socket's listener moved over with `expose-fd`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROMPT = b"\n> "
NAME = re.compile(r"^[A-Za-z0-9._:-]{1,127}$")
MAP_WORD = re.compile(r"^[a-z0-9._:-]{1,253}$")
ADMIN_MAINT = 0x01 | 0x02 | 0x20
ADMIN_DRAIN = 0x08 | 0x10
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
        if self.admin_state & ADMIN_MAINT:
            return "maint"
        if self.admin_state & ADMIN_DRAIN:
            return "drain"
        return "ready"


# Replies that mean success for the commands we send (everything else is an error).
_OK = ("",)
_ADDR_OK = ("IP changed from", "no need to change the addr")


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
            if not _succeeded(command, reply):
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
        return parse_servers_state(reply, command=f"show servers state {backend}")

    async def all_servers_state(self) -> str:
        """`show servers state` of every backend, as HAProxy's server-state file wants it."""
        (reply,) = await self.execute(["show servers state"])
        if not reply.startswith("1"):
            raise HAProxyCommandError("show servers state", reply[:200])
        return reply

    async def map_entries(self, path: str) -> dict[str, str]:
        (reply,) = await self.execute([f"show map {path}"])
        entries = {}
        for line in reply.splitlines():
            words = line.split()
            if len(words) == 3 and words[0].startswith("0x"):
                entries[words[1]] = words[2]
            elif line.strip():
                raise HAProxyCommandError(f"show map {path}", reply[:200])
        return entries

    # --- writing ----------------------------------------------------------------------------

    @staticmethod
    def fill_commands(backend: str, slot: str, address: str, port: int, weight: int) -> list[str]:
        """Put a pod into a free slot and in service."""
        _check(backend, slot)
        ipaddress.ip_address(address)  # never a name, never anything else on the line
        return [
            f"set server {backend}/{slot} addr {address} port {int(port)}",
            f"set server {backend}/{slot} weight {int(weight)}",
            f"set server {backend}/{slot} state ready",
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
    def map_commands(path: str, have: dict[str, str], want: dict[str, str]) -> list[str]:
        """Commands that turn map `have` into `want` (keys and values: checked names)."""
        commands = [f"del map {path} {key}" for key in sorted(have.keys() - want.keys())]
        for key, value in sorted(want.items()):
            if not (MAP_WORD.match(key) and MAP_WORD.match(value)):
                raise ValueError(f"refusing map entry {key!r} → {value!r}")
            if key not in have:
                commands.append(f"add map {path} {key} {value}")
            elif have[key] != value:
                commands.append(f"set map {path} {key} {value}")
        return commands

    async def connections(self, backend: str) -> dict[str, int]:
        """Current sessions plus queued requests per server (0 means the slot may be freed)."""
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


def parse_servers_state(reply: str, *, command: str = "show servers state") -> list[ServerState]:
    """`show servers state` (one backend or all) → rows, columns mapped by the header."""
    lines = [ln for ln in reply.splitlines() if ln.strip()]
    if lines and not lines[0].startswith(("1", "#")):
        raise HAProxyCommandError(command, reply[:300])
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


def _succeeded(command: str, reply: str) -> bool:
    if reply in _OK:
        return True
    return " addr " in command and reply.startswith(_ADDR_OK)


def _check(backend: str, name: str) -> None:
    for value in (backend, name):
        if not NAME.match(value):
            raise ValueError(f"invalid HAProxy name {value!r} ([A-Za-z0-9._:-], ≤ 127)")
