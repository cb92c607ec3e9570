"""Fault recovery: each of issue 15's faults injected while a 3-cluster release runs under
100 req/s per ingress instance, against the same release without a fault in the same run.

Setup: flotilla_devstack.faults.FaultWorld — the local stack with every piece its own process,
two release-api and two k8s-sync replicas, k8s-sync reaching HAProxy through a proxy that can
cut its runtime-API connections. Each fault runs on an app of its own (two pods per cluster,
ready 4 s after they start) and is injected once a cluster is rolling out.

Keys, per fault F: `F_recovery_s` (from the fault's end until every service answers /readyz
200 and the release has moved again), `F_release_s` (the release's whole duration);
`baseline_release_s` (the same release without a fault); over all faults: `failed_requests`
(at the ingress), `events_lost`, `events_duplicated` (outboxes against the topics),
`problems` (what the fault suite would have failed on), `faults` (how many ran); and SIGTERM
to the release-api replica running the rollouts (flotilla_devstack.handover):
`sigterm_stream_end_s` (until its event stream ended with `reconnect`), `sigterm_handover_s`
(until the other replica held the rollouts' lock), `sigterm_exit_s`.
Usage: uv run python bench/fault_recovery.py [--quick]   (--quick: the database, broker and
k8s-sync faults only)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from _stack import report

from flotilla_devstack import faults, handover
from flotilla_devstack.stack import find_root

QUICK = ("database-stopped", "broker-killed", "k8s-sync-killed")


async def run(world: faults.FaultWorld, names: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {"failed_requests": 0, "events_lost": 0, "events_duplicated": 0}
    problems: dict[str, list[str]] = {}
    none = faults.Fault("none", _nothing, _nothing, 0)
    baseline = await faults.FaultRun(world.stack, none, app="bench-none").run()
    result["baseline_release_s"] = round(baseline.release_s, 2)
    available = world.faults()
    for name in names:
        outcome = await faults.FaultRun(world.stack, available[name], app=f"bench-{name}").run()
        summary = outcome.summary()
        sys.stderr.write(f"{name}: {summary}\n")
        result[f"{name}_recovery_s"] = summary["recovery_s"]
        result[f"{name}_release_s"] = summary["release_s"]
        result["failed_requests"] += outcome.failed_requests
        # the ledger covers every event so far: the last one counts
        result["events_lost"] = summary["events_lost"]
        result["events_duplicated"] = summary["events_duplicated"]
        if found := outcome.problems():
            problems[name] = found
    done = await handover.sigterm_the_runner(world.stack, "bench-sigterm")
    result.update(done.summary())
    result["failed_requests"] += done.failed_requests
    result["problems"] = problems
    result["faults"] = len(names)
    return result


async def _nothing(stack: object) -> None:
    pass


def main(quick: bool) -> None:
    names = list(QUICK) if quick else list(faults.FAULT_NAMES)
    cache = find_root(Path(__file__).parent) / ".flotilla" / "cache"
    with tempfile.TemporaryDirectory(prefix="flotilla-bench-faults-") as tmp:
        world = faults.FaultWorld.start(Path(tmp) / "stack", cache_dir=cache)
        try:
            result = asyncio.run(run(world, names))
        finally:
            world.stop()
    report(result)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
