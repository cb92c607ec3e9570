"""The CLI's tests' world: the local stack, and `flotilla` run as a subprocess in a home of
its own (tests/test_cli.py)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flotilla_devstack.stack import LocalStack

FLOTILLA = str(Path(sys.executable).parent / "flotilla")
APP = {
    "name": "shop",
    "team": "commerce",
    "type": "node",
    "replicas": {"prod": 2},
    "app_yaml": {"stack": "debian-12", "runtime": "node-20", "entrypoint": "node ."},
    "pod_annotations": {
        "kubesim.flotilla.io/ready-after-seconds": "1",
        "kubesim.flotilla.io/pre-stop-seconds": "0.5",
    },
}


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    stack: LocalStack
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("FLOTILLA_", "RELEASE_API_"))
        }
        env.update({"FLOTILLA_CONFIG": str(self.home / "config.toml"), "TERM": "dumb"})
        env.update(extra)
        return env

    def __call__(self, *args: str, timeout: float = 120, **env: str) -> Run:
        done = subprocess.run(
            [FLOTILLA, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(**env),
            cwd=self.home,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, timeout: float = 120) -> Run:
        run = self(*args, timeout=timeout)
        assert run.code == 0, f"flotilla {' '.join(args)} → {run.code}\n{run.out}\n{run.err}"
        return run

    def api(self, service: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.stack.urls[service], headers=self.stack.admin_headers(), timeout=30
        )

    def kubesim(self, cluster: str, knob: str, body: dict[str, Any]) -> None:
        assert self.stack.kubesim is not None
        sim = self.stack.kubesim.clusters[cluster]
        with httpx.Client(verify=ssl.create_default_context(cafile=sim.ca_file)) as c:
            c.post(f"{sim.url}/_kubesim/{knob}", json=body).raise_for_status()


@pytest.fixture(scope="module", name="cli")
def cli_fixture(
    tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path
) -> Iterator[Cli]:
    stack = LocalStack.on_free_ports(
        tmp_path_factory.mktemp("cli-stack"),
        cache_dir=flotilla_cache_dir,
        environments=("prod",),
    )
    stack.start()
    try:
        yield Cli(stack, tmp_path_factory.mktemp("cli-home"))
    finally:
        stack.stop()
