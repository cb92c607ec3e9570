"""HAProxy's master CLI (master-worker mode, `haproxy -W -S <socket>`): reload and `show proc`.

Facts this relies on (HAProxy 2.6.12, measured; the project's README, "The unified ingress"):
- The master answers a command only after the client half-closes its side: send the command,
  shut down writing, read to the end. One command per connection.
- `reload` makes the master re-execute itself with its original arguments, so it reads the
  file named by `-f` again — k8s-sync points that path (a symlink) at the new generation first.
  While the master re-executes, its socket refuses or resets connections for a moment: retry.
- `show proc` lists `# workers` (the current one) and, while an old worker still finishes its
  connections, `# old workers`. A reload has taken when a worker pid that was not there before
  is listed under `# workers`; the master's line counts reloads and failed ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


class MasterError(Exception):
    """The master CLI could not be reached or answered something we cannot read."""


@dataclass
class Processes:
    master_pid: int | None = None
    workers: list[int] = field(default_factory=list)
    old_workers: list[int] = field(default_factory=list)
    reloads: int = 0
    failed_reloads: int = 0


def parse_show_proc(text: str) -> Processes:
    out = Processes()
    section = "master"
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            name = stripped.lstrip("# ").lower()
            if name.startswith("old workers"):
                section = "old"
            elif name.startswith("workers"):
                section = "workers"
            elif name.startswith("programs"):
                section = "programs"
            continue
        words = stripped.split()
        if len(words) < 2 or not words[0].isdigit():
            continue
        pid = int(words[0])
        if words[1] == "master":
            out.master_pid = pid
            if len(words) > 2 and words[2].isdigit():
                out.reloads = int(words[2])
            if "[failed:" in stripped:
                tail = stripped.split("[failed:", 1)[1].split("]", 1)[0].strip()
                out.failed_reloads = int(tail) if tail.isdigit() else 0
        elif section == "workers" and words[1] == "worker":
            out.workers.append(pid)
        elif section == "old":
            out.old_workers.append(pid)
    return out


class MasterCLI:
    def __init__(self, path: str, *, timeout_s: float = 5.0) -> None:
        self.path = path
        self.timeout_s = timeout_s

    async def command(self, command: str) -> str:
        try:
            async with asyncio.timeout(self.timeout_s):
                reader, writer = await asyncio.open_unix_connection(self.path)
                try:
                    writer.write(command.encode() + b"\n")
                    await writer.drain()
                    if writer.can_write_eof():
                        writer.write_eof()
                    return (await reader.read()).decode(errors="replace")
                finally:
                    writer.close()
                    with contextlib.suppress(ConnectionError, OSError):
                        await writer.wait_closed()
        except (ConnectionError, OSError, TimeoutError) as exc:
            raise MasterError(f"master CLI at {self.path}: {exc!r}") from exc

    async def processes(self) -> Processes:
        text = await self.command("show proc")
        procs = parse_show_proc(text)
        if procs.master_pid is None:
            raise MasterError(f"unexpected `show proc` answer: {text[:200]!r}")
        return procs

    async def reload(self) -> None:
        """Ask for a reload. The master re-executes itself; whether it took is for the caller
        to see (`processes()`), since the master may close the connection without a word."""
        with contextlib.suppress(MasterError):
            await self.command("reload")
