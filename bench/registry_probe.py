"""cluster-registry's health prober: one round over 200 simulated clusters vs the interval.

Starts kubesim with 200 clusters (one node each) and PostgreSQL, registers every cluster through
cluster-registry's own service layer (which probes each once), then times full probe rounds of
`ClusterProber` — `/version` and the node list of every cluster over HTTPS, concurrently, and
the status writes. `cpu_s` is the prober process's CPU time per round (`kubesim_cpu_s`, the
simulator's, is reported apart).
Usage: uv run python bench/registry_probe.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from _stack import report
from pydantic import SecretStr

from cluster_registry.clusters import service
from cluster_registry.clusters.schemas import ClusterCreate, KubeconfigCredentials
from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.main import MIGRATIONS
from cluster_registry.settings import DEV_CREDENTIAL_KEYS, Settings
from cluster_registry.workers.prober import ClusterProber
from flotilla_contracts.enums import ClusterProvider
from flotilla_devstack.databases import create_database
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.postgres import PostgresServer
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.db import create_engine, create_sessionmaker, session_scope
from flotilla_runtime.migrations import upgrade_async


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(quick: bool) -> None:
    count = 50 if quick else 200
    interval_s = Settings.model_fields["probe_interval_s"].default
    names = tuple(f"c{i:03d}" for i in range(count))
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(yaml.safe_dump({"clusters": [{"name": n, "nodes": 1} for n in names]}))
        kubesim = KubesimProcess(Path(tmp) / "ks", clusters=names, scenario=scenario)
        postgres = PostgresServer(Path(tmp), durable=False)
        kubesim.start(timeout=120)
        postgres.start()
        try:
            url = await create_database(postgres.url(), "registry")
            await upgrade_async(url, MIGRATIONS)
            settings = Settings(database_url=url)
            engine = create_engine(settings)
            sessions = create_sessionmaker(engine)
            cipher = CredentialCipher(DEV_CREDENTIAL_KEYS)
            targets = TargetPolicy.of([], dev_mode=True)  # kubesim is on loopback
            for name in names:
                cluster = kubesim.clusters[name]
                async with session_scope(sessions) as session:
                    await service.register(
                        session,
                        cipher,
                        ClusterCreate(
                            name=name,
                            idc=f"idc-{int(name[1:]) % 4}",
                            provider=ClusterProvider.SELF_BUILT,
                            credentials=KubeconfigCredentials(
                                kind="kubeconfig",
                                kubeconfig=SecretStr(cluster.kubeconfig.read_text()),
                            ),
                        ),
                        timeout_s=settings.probe_timeout_s,
                        targets=targets,
                    )
            prober = ClusterProber(
                sessions,
                cipher,
                targets,
                interval_s=interval_s,
                timeout_s=settings.probe_timeout_s,
                concurrency=settings.probe_concurrency,
            )
            rounds, cpus, sim_cpus = [], [], []
            assert kubesim.pid is not None
            for _ in range(3):
                cpu0, sim0, start = (
                    time.process_time(),
                    process_cpu_s(kubesim.pid),
                    time.perf_counter(),
                )
                probed = await prober.probe_round()
                rounds.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu0)
                sim_cpus.append(process_cpu_s(kubesim.pid) - sim0)
            assert probed == count
            async with sessions() as session:
                from sqlalchemy import text

                ready = await session.scalar(
                    text("SELECT count(*) FROM clusters WHERE status = 'ready'")
                )
            await engine.dispose()
        finally:
            postgres.stop()
            kubesim.stop()
    report(
        {
            "benchmark": "registry_probe",
            "quick": quick,
            "clusters": count,
            "round_s": round(statistics.median(rounds), 3),
            "round_max_s": round(max(rounds), 3),
            "interval_s": interval_s,
            "cpu_s": round(statistics.median(cpus), 3),
            "kubesim_cpu_s": round(statistics.median(sim_cpus), 3),
            "ready": ready,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 clusters (< 60 s on 2 cores)")
    asyncio.run(main(parser.parse_args().quick))
