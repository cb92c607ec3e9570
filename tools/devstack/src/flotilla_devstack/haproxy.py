"""HAProxy (Debian's 2.6) as a child process with an admin runtime socket, for tests and the stack.

The configuration declares the backends k8s-sync fills at run time: each uses a dynamic
algorithm (`roundrobin`) and holds no servers (see k8s_sync.ingress.haproxy for why).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from flotilla_devstack.procs import ManagedProcess, StartError, free_port, port_open

CONFIG = """\
global
    stats socket {socket} mode 600 level admin
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    option redispatch
    retries 2

frontend ingress
    bind 127.0.0.1:{port}
    http-request set-var(txn.app) req.hdr(x-flotilla-app)
    use_backend %[var(txn.app)] if {{ var(txn.app) -m found }}
    default_backend {default}

{backends}
"""
BACKEND = """\
backend {name}
    balance roundrobin
"""


class HAProxyProcess:
    def __init__(self, directory: Path, *, backends: tuple[str, ...], port: int | None = None):
        self.directory = directory
        self.backends = backends
        self.port = port or free_port()
        self.socket = directory / "admin.sock"
        self._proc: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(binary).exists():
            raise StartError("HAProxy is not installed (apt-get install haproxy)")
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "haproxy.cfg"
        config.write_text(
            CONFIG.format(
                socket=self.socket,
                port=self.port,
                default=self.backends[0],
                backends="\n".join(BACKEND.format(name=b) for b in self.backends),
            )
        )
        self.socket.unlink(missing_ok=True)
        self._proc = ManagedProcess(
            "haproxy", [binary, "-db", "-f", str(config)], log_path=self.directory / "haproxy.log"
        )
        self._proc.start()
        self._proc.wait_until(
            lambda: self.socket.exists() and port_open("127.0.0.1", self.port), timeout, "HAProxy"
        )

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop(timeout=5)
            self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
