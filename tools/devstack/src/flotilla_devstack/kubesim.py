"""kubesim as a child process: the clusters, their URLs and kubeconfigs."""

from __future__ import annotations

import re
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
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


class ClusterSet(Protocol):
    """Clusters a test world registers: kubesim's, or real ones (flotilla_devstack.realk8s)."""

    @property
    def clusters(self) -> dict[str, SimulatedCluster]: ...

    async def stall_rollouts(self, cluster: str, image: str, namespace: str) -> None:
        """From now on, new pods of `image` in `namespace` of `cluster` never get ready."""

    async def unstall_rollouts(self, cluster: str, namespace: str) -> None:
        """Undo stall_rollouts."""

    async def api_outage(self, cluster: str, seconds: float) -> None:
        """`cluster`'s API server stops answering for `seconds` (returns at once)."""


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

    async def _admin(self, cluster: str, method: str, path: str, body: object = None) -> None:
        sim = self.clusters[cluster]
        context = ssl.create_default_context(cafile=sim.ca_file)
        async with httpx.AsyncClient(verify=context) as http:
            r = await http.request(method, f"{sim.url}/_kubesim/{path}", json=body)
            r.raise_for_status()

    async def stall_rollouts(self, cluster: str, image: str, namespace: str) -> None:
        await self._admin(cluster, "POST", "faults", {"image": image, "fault": "NeverReady"})

    async def unstall_rollouts(self, cluster: str, namespace: str) -> None:
        await self._admin(cluster, "DELETE", "faults")

    async def api_outage(self, cluster: str, seconds: float) -> None:
        await self._admin(cluster, "POST", "outage", {"mode": "503", "seconds": seconds})

    def stop(self) -> int | None:
        """Stop it; returns its exit code."""
        code = None
        if self._proc is not None:
            self._proc.stop()
            code = self._proc.proc.returncode if self._proc.proc else None
            self._proc = None
        return code
