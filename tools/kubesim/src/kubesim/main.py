"""`kubesim`: simulated Kubernetes clusters over real HTTP, one loopback port each.

  kubesim --clusters idc-a,idc-b,uk8s --nodes 3 --kubeconfig-dir DIR [--base-port N]
  kubesim --scenario FILE.yaml --kubeconfig-dir DIR

Prints one line per cluster when it serves, writes DIR/<cluster>.kubeconfig, stops on SIGTERM or
Ctrl-C. A scenario file (YAML):

  clusters:
    - name: idc-a
      idc: idc-a
      nodes: 3
      node: {cpu: "8", memory: 32Gi, pods: 110}
      image_faults: {"shop/checkout:bad": CrashLoopBackOff}
      image_commands: {"shop/checkout:*": [/app/bin/warm]}   # what exec hooks may run
    - name: uk8s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

import yaml

from kubesim.cluster import Cluster
from kubesim.config import ClusterConfig, NodeShape
from kubesim.tls import generate


def configs_from_args(args: argparse.Namespace) -> list[ClusterConfig]:
    if args.scenario:
        doc: dict[str, Any] = yaml.safe_load(Path(args.scenario).read_text()) or {}
        entries = doc.get("clusters") or []
    else:
        entries = [{"name": name} for name in args.clusters.split(",") if name]
    configs = []
    for index, entry in enumerate(entries):
        name = str(entry["name"])
        configs.append(
            ClusterConfig(
                name=name,
                # Which 127.(10 + index).0.0/16 its pod IPs come from: a scenario sets it when
                # clusters run in separate kubesim processes, so their pods never share an IP.
                index=int(entry.get("index", index)),
                idc=str(entry.get("idc", name)),
                nodes=int(entry.get("nodes", args.nodes)),
                node_shape=NodeShape(**entry["node"]) if "node" in entry else NodeShape(),
                port=args.base_port + index if args.base_port else int(entry.get("port", 0)),
                token=str(entry.get("token", "")),
                image_faults=dict(entry.get("image_faults") or {}),
                image_commands={
                    str(k): [str(p) for p in v]
                    for k, v in (entry.get("image_commands") or {}).items()
                },
                pod_listeners=bool(entry.get("pod_listeners", args.pod_listeners)),
                kafka_bootstrap=entry.get("kafka_bootstrap", args.kafka_bootstrap),
                log_topic=str(entry.get("log_topic", args.log_topic)),
                log_interval_s=float(entry.get("log_interval", args.log_interval)),
            )
        )
    if not configs:
        raise SystemExit("kubesim: no clusters given")
    return configs


async def serve(
    configs: list[ClusterConfig], kubeconfig_dir: Path, stop: asyncio.Event | None = None
) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    certificates = generate()
    kubeconfig_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240  (once, at start)
    (kubeconfig_dir / "ca.crt").write_bytes(certificates.ca_pem)  # noqa: ASYNC240
    clusters = [Cluster(config, certificates=certificates) for config in configs]
    try:
        for cluster in clusters:
            await cluster.start()
            path = cluster.write_kubeconfig(kubeconfig_dir)
            sys.stdout.write(
                f"kubesim cluster {cluster.name} ready at {cluster.url} kubeconfig={path}\n"
            )
            sys.stdout.flush()
        await stop.wait()
    finally:
        for cluster in clusters:
            await cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubesim", description="Simulated Kubernetes clusters.")
    parser.add_argument("--clusters", default="idc-a,idc-b", help="comma-separated names")
    parser.add_argument("--nodes", type=int, default=3, help="nodes per cluster")
    parser.add_argument(
        "--base-port",
        type=int,
        default=0,
        help="first cluster's port (the others follow); default: free ports",
    )
    parser.add_argument("--kubeconfig-dir", type=Path, default=Path(".kubesim"))
    parser.add_argument("--scenario", type=Path, help="a YAML scenario file instead of flags")
    parser.add_argument(
        "--pod-listeners",
        action="store_true",
        help="each running pod serves HTTP on its IP and container ports",
    )
    parser.add_argument("--kafka-bootstrap", help="ship pod logs to Kafka (Filebeat format)")
    parser.add_argument("--log-topic", default="flotilla.logs.v1")
    parser.add_argument(
        "--log-interval",
        type=float,
        default=0.0,
        help="seconds between application log lines per running pod (0: off)",
    )
    args = parser.parse_args(argv)
    asyncio.run(serve(configs_from_args(args), args.kubeconfig_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
