"""kubesim as a child process: the clusters, their URLs and kubeconfigs."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from flotilla_contracts import ClusterConnection
from flotilla_devstack.procs import ManagedProcess

READY = re.compile(r"^kubesim cluster (\S+) ready at (\S+) kubeconfig=(\S+)$")


@dataclass(frozen=True)
class SimulatedCluster:
    name: str
    url: str
    kubeconfig: Path
    ca_file: Path

    def connection(self) -> ClusterConnection:
        """How Flotilla's services would reach this cluster (its kubeconfig)."""
        return ClusterConnection(
            cluster=self.name,
            idc=self.name,
            api_server=self.url,
            kubeconfig=self.kubeconfig.read_text(),
        )

    @property
    def token(self) -> str:
        doc = yaml.safe_load(self.kubeconfig.read_text())
        return str(doc["users"][0]["user"]["token"])


class KubesimProcess:
    def __init__(
        self,
        directory: Path,
        *,
        clusters: tuple[str, ...],
        nodes: int = 3,
        base_port: int = 0,
        extra_args: tuple[str, ...] = (),
        scenario: Path | None = None,
    ) -> None:
        self.extra_args = extra_args
        self.scenario = scenario
        self.directory = directory
        self.names = clusters
        self.nodes = nodes
        self.base_port = base_port
        self.clusters: dict[str, SimulatedCluster] = {}
        self._proc: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 30.0) -> None:
        script = Path(sys.executable).parent / "kubesim"
        kubeconfigs = self.directory / "kubeconfig"
        log = self.directory / "kubesim.log"
        if log.exists():
            log.unlink()
        argv = [
            str(script),
            "--clusters",
            ",".join(self.names),
            "--nodes",
            str(self.nodes),
            "--kubeconfig-dir",
            str(kubeconfigs),
        ]
        if self.base_port:
            argv += ["--base-port", str(self.base_port)]
        if self.scenario:
            argv += ["--scenario", str(self.scenario)]
        argv += list(self.extra_args)
        self._proc = ManagedProcess("kubesim", argv, log_path=log)
        self._proc.start()
        self._proc.wait_until(lambda: self._parse(log), timeout, "kubesim clusters")

    def _parse(self, log: Path) -> bool:
        try:
            text = log.read_text()
        except OSError:
            return False
        for line in text.splitlines():
            if m := READY.match(line.strip()):
                path = Path(m.group(3))
                self.clusters[m.group(1)] = SimulatedCluster(
                    m.group(1), m.group(2), path, path.parent / "ca.crt"
                )
        return all(name in self.clusters for name in self.names)

    def running(self) -> bool:
        return self._proc is not None and self._proc.running()

    def stop(self) -> int | None:
        """Stop it; returns its exit code."""
        code = None
        if self._proc is not None:
            self._proc.stop()
            code = self._proc.proc.returncode if self._proc.proc else None
            self._proc = None
        return code
