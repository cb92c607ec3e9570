"""k8s-sync's engine as a process of its own, for the benchmarks (as it is deployed: its own
cores, its own event loop), without the HTTP service around it.

Reads one JSON document on stdin: {"clusters": [ClusterConnection...], "ingresses":
[IngressInstanceSettings...], "templates": {...}, "tuning": {...}}. Writes JSON lines on
stdout: `{"ev": "ready"}` once started; `{"ev": "synced", "t": <CLOCK_MONOTONIC s>, "ingress",
"backend", "added": ["ip:port", ...], "gone": [...]}` when a batch changed what is ready;
`{"ev": "reload", ...}` after each reload (duration, render time, outcome). CLOCK_MONOTONIC
is one clock for every process on the machine, so the benchmark compares these times with its
own. Stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from typing import Any

from _stack import ingress_instance

from flotilla_contracts import ClusterConnection
from flotilla_runtime.logging import configure_logging
from k8s_sync.ingress.haproxy import ServerState
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.sync.routes import DomainTemplates
from k8s_sync.workers.ingress_sync import IngressSync


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


_READY: dict[tuple[str, str], set[str]] = {}


async def on_synced(instance: IngressInstance, backend: str, servers: list[ServerState]) -> None:
    """Only what changed since the last batch (the measuring costs k8s-sync's CPU too)."""
    at = now()
    ready = {f"{s.address}:{s.port}" for s in servers if s.state == "ready"}
    before = _READY.get((instance.ingress, backend), set())
    _READY[(instance.ingress, backend)] = ready
    if ready != before:
        emit(
            {
                "ev": "synced",
                "t": at,
                "ingress": instance.ingress,
                "backend": backend,
                "added": sorted(ready - before),
                "gone": sorted(before - ready),
            }
        )


def instrument(instance: IngressInstance) -> None:
    reload = instance.reload

    async def reload_and_report(layout: Any, reason: str) -> bool:
        ok = await reload(layout, reason)
        record = instance.last_reload
        emit(
            {
                "ev": "reload",
                "t": now(),
                "ingress": instance.ingress,
                "ok": ok,
                "backends": len(layout.backends),
                "duration_ms": round(record.duration_s * 1000, 1) if record else None,
                "render_ms": round(record.render_s * 1000, 2) if record else None,
                "outcome": record.outcome if record else None,
                "error": record.error if record else None,
            }
        )
        return ok

    instance.reload = reload_and_report  # type: ignore[method-assign]


async def main() -> None:
    configure_logging(level="warning", fmt="console", service="bench-sync-engine")  # stderr
    spec = json.loads(sys.stdin.read())
    instances = []
    for raw in spec["ingresses"]:
        instance = ingress_instance(raw, **spec.get("tuning", {}))
        instance.on_synced = on_synced
        instrument(instance)
        instances.append(instance)
    engine = IngressSync(
        instances,
        [ClusterConnection.model_validate(c) for c in spec["clusters"]],
        templates=DomainTemplates(spec.get("templates") or {"*": "{app}.{env}.bench"}),
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    tasks = [asyncio.create_task(engine.run())]
    tasks += [asyncio.create_task(i.run()) for i in instances]
    emit({"ev": "ready"})
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    import os

    if profile := os.environ.get("BENCH_ENGINE_PROFILE"):  # a cProfile dump, for diagnosis
        import cProfile

        cProfile.run("asyncio.run(main())", profile)
    else:
        asyncio.run(main())
