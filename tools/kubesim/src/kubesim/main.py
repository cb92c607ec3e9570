"""Placeholder kubesim: serves `/version` and `/readyz` per cluster so the stack has its slot.

The simulator proper (resources, watches, controllers, failure knobs) is the kubesim issue. This
placeholder says what it is on every response and in its start-up line, so nobody mistakes it
for a cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn
from fastapi import FastAPI


def create_app(cluster: str) -> FastAPI:
    app = FastAPI(title=f"kubesim placeholder ({cluster})")

    @app.get("/version")
    async def version() -> dict[str, str]:
        return {
            "major": "1",
            "minor": "32",
            "gitVersion": "v1.32.0-kubesim-placeholder",
            "platform": "kubesim",
        }

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok", "cluster": cluster, "note": "placeholder: no Kubernetes API yet"}

    return app


async def serve(clusters: list[str], base_port: int) -> None:
    servers = []
    for i, cluster in enumerate(clusters):
        config = uvicorn.Config(
            create_app(cluster), host="127.0.0.1", port=base_port + i, log_level="warning"
        )
        servers.append(uvicorn.Server(config))
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.05)
    for i, cluster in enumerate(clusters):
        sys.stdout.write(
            f"kubesim cluster {cluster} ready at http://127.0.0.1:{base_port + i} (placeholder)\n"
        )
    sys.stdout.flush()
    await asyncio.gather(*tasks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubesim")
    parser.add_argument("--clusters", default="idc-a,idc-b")
    parser.add_argument("--base-port", type=int, default=16443)
    args = parser.parse_args(argv)
    asyncio.run(serve([c for c in args.clusters.split(",") if c], args.base_port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
