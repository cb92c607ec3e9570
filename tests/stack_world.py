"""The local stack as the README's first command runs it, for end-to-end tests: start it on
free ports, wait for its ready line, stop it as Ctrl-C does."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flotilla_contracts.enums import Role
from flotilla_devstack.procs import free_blocks
from flotilla_runtime.auth import mint_token
from flotilla_runtime.settings import AuthSettings

READY_LINE = "Ctrl-C stops everything."


def run_stack(args: list[str], log: Path) -> tuple[subprocess.Popen[str], list[str]]:
    script = Path(sys.executable).parent / "flotilla-dev"
    with open(log, "w") as stderr:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [str(script), "up", *args],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.strip() == READY_LINE:
            return proc, lines
    proc.kill()
    proc.wait()
    proc.stdout.close()
    pytest.fail(f"stack did not come up:\n{log.read_text()}\n" + "\n".join(lines))


def stop_stack(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    code = proc.wait(timeout=90)
    if proc.stdout is not None:
        proc.stdout.close()
    return code


def admin_headers() -> dict[str, str]:
    token = mint_token(AuthSettings(), subject="test", roles=[Role.ADMIN])
    return {"Authorization": f"Bearer {token}"}


def stack_args(state_dir: Path, cache_dir: Path) -> tuple[int, list[str]]:
    """The base port of the services and `flotilla-dev up` arguments on free ports."""
    base, postgres, kafka, ingress, kubesim, prometheus = free_blocks(4, 1, 1, 2, 3, 1)
    return base, [
        "--state-dir",
        str(state_dir),
        "--cache-dir",
        str(cache_dir),
        "--base-port",
        str(base),
        "--postgres-port",
        str(postgres),
        "--kafka-port",
        str(kafka),
        "--ingress-port",
        str(ingress),
        "--kubesim-port",
        str(kubesim),
        "--prometheus-port",
        str(prometheus),
    ]
