"""Real clusters by hand: `uv run python -m flotilla_devstack.realk8s --clusters a,b`.

Builds the control plane the first time (tools/devstack/realk8s/build.sh), starts one real
cluster per name with kwok nodes and the pods' HTTP companion, prints each cluster's admin
kubeconfig and the `flotilla` ServiceAccount's (deploy/target-cluster/rbac.yaml applied), and
stops everything on Ctrl-C. Needs root (or CAP_NET_ADMIN) to route the pods' addresses.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from flotilla_devstack.realk8s import RealClusters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", default="real-a,real-b", help="comma-separated names")
    parser.add_argument("--nodes", type=int, default=3, help="kwok nodes per cluster")
    parser.add_argument("--dir", type=Path, default=Path(".flotilla/realk8s"), help="state")
    args = parser.parse_args()
    names = tuple(n for n in args.clusters.split(",") if n)
    clusters = RealClusters(args.dir.resolve(), clusters=names, nodes=args.nodes)
    clusters.start()
    for name in names:
        sys.stdout.write(
            f"{name}: {clusters.admin[name].url}\n"
            f"  admin:    KUBECONFIG={clusters.admin[name].kubeconfig}\n"
            f"  flotilla: KUBECONFIG={clusters.clusters[name].kubeconfig}\n"
        )
    sys.stdout.write("Ctrl-C stops them\n")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        clusters.stop()


if __name__ == "__main__":
    main()
