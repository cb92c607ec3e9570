"""HAProxy (Debian's 2.6) in master-worker mode, as k8s-sync drives it, for tests and the stack.

The configuration is k8s-sync's own: before the first start, `python -m
k8s_sync.ingress.bootstrap` (the same step as `flotilla-k8s-sync ingress-config` in a
container's init) writes generation 1 into `config/`; k8s-sync renders every later one and
reloads through the master socket. `ingress_settings()` is this instance as an element of
`K8S_SYNC_INGRESSES`. Both sockets are unix sockets in the instance's directory, mode 600/660.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from flotilla_devstack.procs import ManagedProcess, StartError, free_port, port_open


class HAProxyProcess:
    def __init__(self, directory: Path, *, name: str = "ingress", port: int | None = None):
        self.directory = directory
        self.name = name
        self.port = port or free_port()
        self.config_dir = directory / "config"
        self.socket = self._socket("admin.sock")
        self.master_socket = self._socket("master.sock")
        self.traffic_socket = self._socket("traffic.sock")
        self._proc: ManagedProcess | None = None

    def _socket(self, name: str) -> Path:
        """A unix socket HAProxy binds: in this instance's directory, or — test directories
        are deep, and HAProxy takes a path of at most 97 bytes — in a short directory in /tmp
        named after this one."""
        beside = self.directory / name
        if len(str(beside).encode()) <= 97:
            return beside
        digest = hashlib.sha256(str(self.directory).encode()).hexdigest()[:12]
        short = Path(tempfile.gettempdir()) / f"flotilla-{digest}"
        short.mkdir(mode=0o700, exist_ok=True)
        return short / name

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def ingress_settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "config_dir": str(self.config_dir),
            "runtime_socket": str(self.socket),
            "master_socket": str(self.master_socket),
            "traffic_socket": str(self.traffic_socket),
            "bind": f"127.0.0.1:{self.port}",
            "maxconn": 4096,
            "hard_stop_after_s": 30,
        }

    def bootstrap(self) -> None:
        """A first configuration, rendered by k8s-sync, when there is none yet."""
        self.directory.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "k8s_sync.ingress.bootstrap"],
            env={**os.environ, "K8S_SYNC_INGRESSES": ingresses_env([self])},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise StartError(f"ingress bootstrap failed: {(result.stderr or result.stdout)[-800:]}")

    def start(self, timeout: float = 15.0) -> None:
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(binary).exists():
            raise StartError("HAProxy is not installed (apt-get install haproxy)")
        self.bootstrap()
        for sock in (self.socket, self.master_socket):
            sock.unlink(missing_ok=True)
        self._proc = ManagedProcess(
            f"haproxy-{self.name}",
            [
                binary,
                "-W",
                "-db",
                "-S",
                f"{self.master_socket},mode,600",
                "-f",
                str(self.config_dir / "haproxy.cfg"),
            ],
            log_path=self.directory / "haproxy.log",
        )
        self._proc.start()
        self._proc.wait_until(
            lambda: self.socket.exists() and port_open("127.0.0.1", self.port), timeout, "HAProxy"
        )

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop(timeout=5)
            self._proc = None

    def kill(self) -> None:
        """SIGKILL the master (its workers follow): an instance that dies mid-change."""
        if self._proc is not None:
            self._proc.kill()
            self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        return self._proc is not None and self._proc.running()


def ingresses_env(
    instances: Sequence[HAProxyProcess], runtime_sockets: Mapping[str, str] | None = None
) -> str:
    """`K8S_SYNC_INGRESSES` for these instances; `runtime_sockets`: where k8s-sync dials an
    instance's runtime API instead of HAProxy's own socket, by name (a fault test's relay)."""
    out = []
    for instance in instances:
        settings = instance.ingress_settings()
        if runtime_sockets and instance.name in runtime_sockets:
            settings["runtime_connect"] = runtime_sockets[instance.name]
        out.append(settings)
    return json.dumps(out)


async def count_answers(
    port: int,
    stop: asyncio.Event,
    *,
    headers: Mapping[str, str],
    rate: float = 100.0,
    failures: list[str] | None = None,
) -> Counter[str]:
    """Requests at `rate`/s through the ingress on `port` until `stop`; answers counted by
    status (`ok` for a 200, `http-<code>` otherwise, the exception's name when none came), on
    keep-alive connections, which see a reload's connection hand-over. `failures` gets each
    failure's wall-clock time and what it was, to set beside the logs."""
    seen: Counter[str] = Counter()
    async with httpx.AsyncClient(timeout=3) as http:
        while not stop.is_set():
            what = None
            try:
                r = await http.get(f"http://127.0.0.1:{port}/", headers=dict(headers))
                what = None if r.status_code == 200 else f"http-{r.status_code}"
            except httpx.HTTPError as exc:
                what = f"{type(exc).__name__}: {exc}"
            seen["ok" if what is None else what.split(":", 1)[0]] += 1
            if what is not None and failures is not None:
                failures.append(f"{datetime.now(UTC).isoformat()} :{port} {what}")
            await asyncio.sleep(1 / rate)
    return seen
