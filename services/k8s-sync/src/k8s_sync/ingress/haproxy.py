"""HAProxy runtime API driver: fill, drain, weigh and free server slots, and edit maps.

Facts this driver relies on (HAProxy 2.6.12, measured; docs/reference/haproxy.md has them all
with their sources):
- One persistent connection in `prompt` mode; commands are pipelined, one per line, and every
  reply ends with `\\n> `. Replies are split on that and stripped (trailing blank lines vary).
  Pipelined in chunks of at most 32 KB: a bigger write would wait for HAProxy to read, while
  HAProxy waits for its replies to be read (measured: 30,000 commands at once never finished).
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
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROMPT = b"\n> "
REPLY_LIMIT = 256 * 2**20
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


@dataclass(frozen=True, slots=True)
class ServerState:
    backend: str
    name: str
    address: str
    port: int
    server_id: int
    op_state: str
    admin_state: int
    weight: int
    state: str = field(init=False, compare=False)
    """ready | drain | maint, as Flotilla names the states it sets (from admin_state)."""

    def __post_init__(self) -> None:
        admin = self.admin_state
        state = "maint" if admin & ADMIN_MAINT else "drain" if admin & ADMIN_DRAIN else "ready"
        object.__setattr__(self, "state", state)


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
        # One reply can be megabytes (`show servers state` of 20,000 slots is ~2 MB): the
        # stream's limit must be above the largest, or readuntil() fails.
        if "/" in self.address or Path(self.address).suffix == ".sock":
            reader, writer = await asyncio.open_unix_connection(self.address, limit=REPLY_LIMIT)
        else:
            host, _, port = self.address.rpartition(":")
            reader, writer = await asyncio.open_connection(host, int(port), limit=REPLY_LIMIT)
        try:
            writer.write(b"prompt\n")
            await writer.drain()
            await reader.readuntil(b"> ")
        except BaseException:  # a timeout, too: the connection is not kept
            writer.close()
            raise
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
            # One command per entry, and nothing HAProxy's CLI reads as more: ';' separates
            # commands, '<<' starts a payload, control characters end lines.
            if (
                ";" in command
                or "<<" in command
                or not command.isascii()
                or not command.isprintable()
            ):
                raise ValueError(f"not one plain runtime-API command: {command[:80]!r}")
        async with self._lock:
            for attempt in (1, 2):
                try:
                    if self._writer is None:
                        # bounded too: a socket that accepts and never answers (HAProxy's
                        # CLI stalled) would hold this instance's loop, and its lock, for good
                        async with asyncio.timeout(self.timeout_s):
                            await self._connect()
                    replies: list[str] = []
                    for chunk in _chunks(commands):
                        async with asyncio.timeout(self.timeout_s + 0.001 * len(chunk)):
                            replies += await self._roundtrip(chunk)
                    return replies
                except TimeoutError as exc:  # first: TimeoutError is an OSError
                    # not sent again: a batch that timed out may have run, in part or whole
                    await self.close()
                    raise HAProxyError(f"runtime API at {self.address} timed out") from exc
                except (
                    ConnectionError,
                    OSError,
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                ) as exc:
                    await self.close()
                    if attempt == 2:
                        raise HAProxyError(f"runtime API at {self.address}: {exc!r}") from exc
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
            if not succeeded(command, reply):
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
        _check(backend)
        (reply,) = await self.execute([f"show servers state {backend}"])
        return parse_servers_state(reply, command=f"show servers state {backend}")

    async def servers_of(
        self,
        backends: Sequence[str],
        only: Mapping[str, set[str]] | None = None,
        previous: Mapping[tuple[str, str], ServerState] | None = None,
    ) -> dict[str, list[ServerState] | HAProxyCommandError]:
        """`show servers state` of many backends in one pipelined round trip; a backend
        HAProxy refuses (not in its configuration) maps to the error instead. `only`: parse
        just these servers of a backend (the others' rows are skipped unsplit)."""
        out: dict[str, list[ServerState] | HAProxyCommandError] = {}
        for backend in backends:
            _check(backend)
        commands = [f"show servers state {b}" for b in backends]
        for backend, command, reply in zip(
            backends, commands, await self.execute(commands), strict=True
        ):
            try:
                out[backend] = parse_servers_state(
                    reply, command=command, only=(only or {}).get(backend), previous=previous
                )
            except HAProxyCommandError as exc:
                out[backend] = exc
        return out

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
        return (await self.connections_of([backend]))[backend]

    async def connections_of(
        self, backends: Sequence[str], only: dict[str, set[str]] | None = None
    ) -> dict[str, dict[str, int]]:
        """`connections` of many backends in one pipelined round trip (`only`: of these
        servers per backend; a row has ~100 columns, so the others are not split)."""
        commands = [f"show stat {b} 4 -1" for b in backends]
        replies = await self.execute(commands)
        return {
            b: _parse_sessions(r, (only or {}).get(b))
            for b, r in zip(backends, replies, strict=True)
        }


def _parse_sessions(reply: str, only: set[str] | None = None) -> dict[str, int]:
    lines = reply.splitlines()
    if not lines or not lines[0].startswith("#"):
        return {}
    columns = lines[0].lstrip("# ").split(",")
    name, scur, qcur = columns.index("svname"), columns.index("scur"), columns.index("qcur")
    out = {}
    for line in lines[1:]:
        if not line:
            continue
        if only is not None and line.split(",", name + 1)[name] not in only:
            continue
        row = line.split(",")
        out[row[name]] = int(row[scur] or 0) + int(row[qcur] or 0)
    return out


# A chunk of pipelined commands must fit the socket's buffer whole: HAProxy stops reading
# commands while its replies wait to be read, so writing more than the buffer holds before
# reading would block both sides.
_CHUNK_BYTES = 32 * 1024


def _chunks(commands: Sequence[str]) -> list[Sequence[str]]:
    out: list[Sequence[str]] = []
    start, size = 0, 0
    for i, command in enumerate(commands):
        size += len(command) + 1
        if size > _CHUNK_BYTES and i > start:
            out.append(commands[start:i])
            start, size = i, len(command) + 1
    out.append(commands[start:])
    return out


def parse_servers_state(
    reply: str,
    *,
    command: str = "show servers state",
    only: set[str] | None = None,
    previous: Mapping[tuple[str, str], ServerState] | None = None,
) -> list[ServerState]:
    """`show servers state` (one backend or all) → rows, columns found by the header's names
    (their order is HAProxy's, not ours to assume). `previous`: the rows last read, by
    (backend, server): an unchanged row is that same object again, so reading a backend back
    after every batch builds only what changed."""
    lines = reply.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    if first and not first.startswith(("1", "#")):
        raise HAProxyCommandError(command, reply[:300])
    at = next((i for i, ln in enumerate(lines) if ln.startswith("#")), None)
    if at is None:
        return []
    columns = lines[at].lstrip("# ").split()
    be, srv, addr, op, admin, weight, sid, port = (
        columns.index(c)
        for c in (
            "be_name",
            "srv_name",
            "srv_addr",
            "srv_op_state",
            "srv_admin_state",
            "srv_uweight",
            "srv_id",
            "srv_port",
        )
    )
    previous = previous or {}
    out = []
    for line in lines[at + 1 :]:
        if only is not None:
            head = line.split(maxsplit=srv + 1)
            if len(head) <= srv or head[srv] not in only:
                continue
        row = line.split()
        if len(row) <= port:
            continue
        op_state = OP_STATES.get(int(row[op]), row[op])
        numbers = (int(row[port]), int(row[sid]), int(row[admin]), int(row[weight]))
        prev = previous.get((row[be], row[srv]))
        if (
            prev is not None
            and prev.address == row[addr]
            and prev.op_state == op_state
            and (prev.port, prev.server_id, prev.admin_state, prev.weight) == numbers
        ):
            out.append(prev)
            continue
        out.append(
            ServerState(
                backend=sys.intern(row[be]),
                name=sys.intern(row[srv]),
                address=row[addr],
                port=numbers[0],
                server_id=numbers[1],
                op_state=op_state,
                admin_state=numbers[2],
                weight=numbers[3],
            )
        )
    return out


def succeeded(command: str, reply: str) -> bool:
    """Whether `reply` means `command` did what it says."""
    if reply in _OK:
        return True
    return " addr " in command and reply.startswith(_ADDR_OK)


def _check(*names: str) -> None:
    for value in names:
        if not NAME.match(value):
            raise ValueError(f"invalid HAProxy name {value!r} ([A-Za-z0-9._:-], ≤ 127)")
