"""Shared helper of the benchmarks: real components on loopback, started and stopped for one run.

Benchmarks import it as `from _stack import components` (bench/ is on sys.path when run as
`uv run python bench/NAME.py`).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.kafka import KafkaBroker
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_devstack.postgres import PostgresServer
from flotilla_devstack.stack import find_root


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
    clusters: tuple[str, ...], services: int, *, pods_per_node: int
) -> Iterator[tuple[KubesimProcess, HAProxyProcess]]:
    """kubesim with big nodes (2 per cluster) and an HAProxy with backends `appNNN.prod`."""
    with tempfile.TemporaryDirectory(prefix="flotilla-bench-sync-") as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        node = {"cpu": "1000", "memory": "4Ti", "pods": pods_per_node}
        scenario.write_text(
            yaml.safe_dump({"clusters": [{"name": n, "nodes": 2, "node": node} for n in clusters]})
        )
        kubesim = KubesimProcess(Path(tmp) / "ks", clusters=clusters, scenario=scenario)
        haproxy = HAProxyProcess(
            Path(tmp) / "haproxy", backends=tuple(f"app{s:03d}.prod" for s in range(services))
        )
        kubesim.start(timeout=120)
        try:
            haproxy.start()
            yield kubesim, haproxy
        finally:
            haproxy.stop()
            kubesim.stop()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def report(result: dict[str, Any]) -> None:
    """The benchmark's one JSON line, last on stdout."""
    sys.stdout.write(json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
