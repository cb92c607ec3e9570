"""`flotilla-k8s-sync ingress-config`: a first configuration for an instance that has none.

HAProxy needs a configuration to start, and k8s-sync needs HAProxy running (in master-worker
mode, with the sockets the configuration declares) to drive it. This writes generation 1 — no
backends, every request answered 404 — into each instance's `config_dir`, checks it with
`haproxy -c`, and prints the command line that starts HAProxy on it. An init container, the
local stack and the tests run it; k8s-sync replaces it at its first reload. Light on imports
(no web framework), so an init step starts fast: `python -m k8s_sync.ingress.bootstrap`.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from k8s_sync.ingress import generations
from k8s_sync.ingress.config import Layout, render
from k8s_sync.settings import IngressInstanceSettings, Settings


def bootstrap_config(instance: IngressInstanceSettings, *, force: bool = False) -> Path | None:
    """Write and switch to a first generation; None when a configuration exists already."""
    paths = instance.paths()
    if not force and paths.config_link.exists():
        return None
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    number = generations.latest_number(paths) + 1
    layout = Layout()
    rendered = render(
        layout, instance=instance.name, paths=paths, generation=number, hosts={}, apps={}
    )
    generation = generations.write(paths, number, rendered, layout)
    asyncio.run(generations.validate(generation))
    generations.switch(paths, generation)
    return paths.config_link


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="flotilla-k8s-sync ingress-config",
        description="Write a first configuration for each ingress instance that has none (HAProxy "
        "needs one to start; k8s-sync replaces it), and print how to start HAProxy on it.",
    )
    parser.add_argument("--instance", help="only this one (default: all of K8S_SYNC_INGRESSES)")
    parser.add_argument("--force", action="store_true", help="write one even if a config exists")
    args = parser.parse_args(argv)
    chosen = [i for i in Settings().ingresses if args.instance in (None, i.name)]
    if not chosen:
        parser.error(f"no ingress instance named {args.instance!r}")
    for instance in chosen:
        written = bootstrap_config(instance, force=args.force)
        did = f"wrote {written}" if written else f"kept {instance.paths().config_link}"
        print(f"{instance.name}: {did}; start: {' '.join(instance.haproxy_command())}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
