"""Child processes of the stack: own process group, log file, clean stop, no orphans."""

from __future__ import annotations

import contextlib
import ctypes
import os
import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies, even by SIGKILL, so a
    crashed stack or test run leaves no orphans behind (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class StartError(RuntimeError):
    """A component did not come up; the message ends with the tail of its log."""


def _ephemeral_low() -> int:
    """First port of the kernel's range for outgoing connections' local ports."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_PICK_LOW = 10_000
_PICK_HIGH = _ephemeral_low()


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A free port below the ephemeral range. A port the kernel hands out (bind to 0) comes from
    that range, so between this call and the server's bind an outgoing connection of any process
    (a Kafka client, say) could take it as its local port: it happened in CI."""
    return free_block(1, host)


def free_block(size: int, host: str = "127.0.0.1") -> int:
    """A base port with `size` free ports from it (for kubesim's one port per cluster), below
    the ephemeral range; chosen at random so concurrent callers rarely meet."""
    rng = random.SystemRandom()
    for _ in range(200):
        if _PICK_HIGH - size <= _PICK_LOW:
            break
        base = rng.randrange(_PICK_LOW, _PICK_HIGH - size)
        if all(_bindable(host, base + i) for i in range(size)):
            return base
    raise StartError(f"no block of {size} free ports below {_PICK_HIGH}")


def free_blocks(*sizes: int, host: str = "127.0.0.1") -> list[int]:
    """A base port per size, the blocks free and apart from each other (nothing is bound
    between the picks, so each must avoid the ones before it)."""
    taken: set[int] = set()
    bases = []
    for size in sizes:
        while True:
            base = free_block(size, host)
            ports = set(range(base, base + size))
            if not ports & taken:
                taken |= ports
                bases.append(base)
                break
    return bases


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ManagedProcess:
    """A long-running child in its own session, logging to `log_path`."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # its own group: we can stop it and its children
                preexec_fn=die_with_parent,
            )

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_port(self, host: str, port: int, timeout: float) -> None:
        self.wait_until(lambda: port_open(host, port), timeout, f"port {host}:{port}")

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                code = self.proc.returncode if self.proc else None
                raise StartError(
                    f"{self.name} exited with {code} before {what} was ready; "
                    f"log {self.log_path}:\n{tail(self.log_path)}"
                )
            if ready():
                return
            time.sleep(0.1)
        raise StartError(
            f"{self.name}: {what} not ready after {timeout:g} s; log {self.log_path}:\n"
            f"{tail(self.log_path)}"
        )

    def kill(self) -> None:
        """SIGKILL the whole group at once (fault tests)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._wait_group_gone()

    def freeze(self, frozen: bool) -> None:
        """SIGSTOP the whole group (True) or SIGCONT it (False): a process that hangs with its
        sockets open — connections are accepted by the kernel and never answered."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGSTOP if frozen else signal.SIGCONT)

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
        """Signal the process group (SIGTERM by default), wait, then SIGKILL what is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        # Children that outlived the leader are still in the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._wait_group_gone()

    def _wait_group_gone(self, timeout: float = 10.0) -> None:
        """Return once no process of the group is left (a restart must not race the old one)."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                return
            time.sleep(0.05)
