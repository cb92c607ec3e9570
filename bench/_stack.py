"""Shared helper of the benchmarks: real components on loopback, started and stopped for one run.

Benchmarks import it as `from _stack import components` (bench/ is on sys.path when run as
`uv run python bench/NAME.py`).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flotilla_contracts import labels
from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.kafka import KafkaBroker
from flotilla_devstack.kubesim import KubesimProcess, SimulatedCluster
from flotilla_devstack.postgres import PostgresServer
from flotilla_devstack.procs import die_with_parent
from flotilla_devstack.stack import find_root
from k8s_sync.ingress.haproxy import HAProxyRuntime
from k8s_sync.ingress.instance import IngressInstance, InstanceTuning
from k8s_sync.ingress.master import MasterCLI
from k8s_sync.settings import IngressInstanceSettings


@dataclass(frozen=True)
class Components:
    postgres_url: str
    kafka_bootstrap: str


@contextmanager
def components(*, postgres: bool = True, kafka: bool = True) -> Iterator[Components]:
    """PostgreSQL (non-durable, like the tests) and Apache Kafka in a temporary directory."""
    cache = find_root(Path(__file__).parent) / ".flotilla" / "cache"
    with tempfile.TemporaryDirectory(prefix="flotilla-bench-") as tmp:
        pg = PostgresServer(Path(tmp), durable=False) if postgres else None
        broker = KafkaBroker(Path(tmp) / "kafka", cache_dir=cache) if kafka else None
        try:
            if pg:
                pg.start()
            if broker:
                broker.start()
            yield Components(
                postgres_url=pg.url() if pg else "",
                kafka_bootstrap=broker.bootstrap if broker else "",
            )
        finally:
            if broker:
                broker.stop()
            if pg:
                pg.stop()


@contextmanager
def sync_world(
    clusters: tuple[str, ...],
    *,
    pods_per_node: int,
    listeners: bool = False,
    ingresses: int = 1,
) -> Iterator[tuple[list[KubesimProcess], list[HAProxyProcess]]]:
    """One kubesim process per cluster (big nodes, 2 each), so that the simulator does not share
    one event loop between clusters, and `ingresses` HAProxy instances in master-worker mode
    with k8s-sync's bootstrap configuration (no backend: k8s-sync renders them)."""
    with tempfile.TemporaryDirectory(prefix="flotilla-bench-sync-") as tmp:
        node = {"cpu": "1000", "memory": "4Ti", "pods": pods_per_node}
        sims = []
        for index, name in enumerate(clusters):
            scenario = Path(tmp) / f"{name}.yaml"
            entry = {"name": name, "nodes": 2, "node": node, "index": index}  # distinct pod IPs
            scenario.write_text(yaml.safe_dump({"clusters": [entry]}))
            sims.append(
                KubesimProcess(
                    Path(tmp) / f"ks-{name}",
                    clusters=(name,),
                    scenario=scenario,
                    extra_args=("--pod-listeners",) if listeners else (),
                )
            )
        haproxies = [
            HAProxyProcess(Path(tmp) / f"ingress-{i}", name=f"ingress-{i}")
            for i in range(ingresses)
        ]
        try:
            for sim in sims:
                sim.start(timeout=120)
            for haproxy in haproxies:
                haproxy.start()
            yield sims, haproxies
        finally:
            for haproxy in haproxies:
                haproxy.stop()
            for sim in sims:
                sim.stop()


class EngineProcess:
    """bench/_sync_engine.py as a child process; `events` receives its JSON lines."""

    def __init__(
        self,
        clusters: list[SimulatedCluster],
        haproxies: list[HAProxyProcess],
        on_event: Callable[[dict[str, Any]], None],
        **tuning: float,
    ) -> None:
        self.spec = {
            "clusters": [c.connection().model_dump() for c in clusters],
            "ingresses": [h.ingress_settings() for h in haproxies],
            "tuning": tuning,
        }
        self.on_event = on_event
        self.error: Exception | None = None
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EngineProcess:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).parent / "_sync_engine.py"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,
            preexec_fn=die_with_parent,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(self.spec).encode())
        self.proc.stdin.close()
        ready = asyncio.get_running_loop().create_future()

        async def read() -> None:
            assert self.proc is not None
            assert self.proc.stdout is not None
            async for line in self.proc.stdout:
                try:
                    event = json.loads(line)
                except ValueError:
                    sys.stderr.write(f"engine: {line.decode(errors='replace')}")
                    continue
                if event["ev"] == "ready":
                    if not ready.done():
                        ready.set_result(None)
                    continue
                try:
                    self.on_event(event)
                except Exception as exc:
                    self.error = exc  # the benchmark's wait loops raise it (check())
                    raise

        self._reader = asyncio.create_task(read())
        await asyncio.wait_for(ready, 60)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    def check(self) -> None:
        """Raise what broke the event reader, or that the engine process died."""
        if self.error is not None:
            raise RuntimeError(f"engine event handler failed: {self.error!r}") from self.error
        if self.proc is not None and self.proc.returncode is not None:
            raise RuntimeError(f"the engine process exited ({self.proc.returncode})")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid


def ingress_instance(settings: dict[str, Any], **tuning: float) -> IngressInstance:
    """An IngressInstance for one element of `K8S_SYNC_INGRESSES`, as k8s-sync builds it."""
    instance = IngressInstanceSettings.model_validate(settings)
    return IngressInstance(
        instance.name,
        instance.paths(),
        runtime=HAProxyRuntime(instance.runtime_socket),
        master=MasterCLI(instance.master_socket),
        tuning=InstanceTuning(**tuning),  # type: ignore[arg-type]
    )


def app_service(name: str) -> Any:
    """A Service as release-api renders it, as far as k8s-sync reads it (env `prod`)."""
    carried = {
        labels.MANAGED_BY: labels.MANAGED_BY_VALUE,
        labels.APP: name,
        labels.ENV: "prod",
    }
    return {
        "metadata": {"name": name, "labels": carried},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def app_deployment(name: str, replicas: int, *, ready_after_s: float = 0.0) -> Any:
    """Its Deployment: pods ready `ready_after_s` after they start, gone at once when deleted."""
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {
                    "labels": {"app": name},
                    "annotations": {"kubesim.flotilla.io/ready-after-seconds": str(ready_after_s)},
                },
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [
                        {"name": "c", "image": "c:1", "ports": [{"containerPort": 8080}]}
                    ],
                },
            },
        },
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (from /proc; Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(*pids: int) -> float:
    """Resident memory of these processes now, summed."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def haproxy_pids(haproxy: HAProxyProcess) -> list[int]:
    """The master and its workers (children of the master)."""
    assert haproxy.pid is not None
    children = Path(f"/proc/{haproxy.pid}/task/{haproxy.pid}/children").read_text().split()
    return [haproxy.pid, *(int(c) for c in children)]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def report(result: dict[str, Any]) -> None:
    """The benchmark's one JSON line, last on stdout."""
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
