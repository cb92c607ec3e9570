"""Which clusters to sync: cluster-registry's list, read with a service token.

Polling with a bounded period keeps the engine in step with registrations, credential rotations
and deregistrations without a restart; a registry that does not answer changes nothing (the
clusters being synced stay synced).
"""

from __future__ import annotations

import asyncio

import httpx
import structlog

from flotilla_contracts import ClusterConnection
from k8s_sync.sync.engine import IngressSync

log = structlog.get_logger(__name__)


class ClusterSource:
    name = "cluster-source"

    def __init__(
        self, http: httpx.AsyncClient, engine: IngressSync, *, refresh_s: float, token: str | None
    ) -> None:
        self._http = http
        self._engine = engine
        self._refresh_s = refresh_s
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.synced = asyncio.Event()

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self._engine.set_clusters(await self.fetch())
                    self.synced.set()
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("cluster_list_unavailable", error=repr(exc)[:300])
                await asyncio.sleep(self._refresh_s)
        finally:
            await self._http.aclose()

    async def fetch(self) -> list[ClusterConnection]:
        names: list[str] = []
        cursor: str | None = None
        while True:
            params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
            r = await self._http.get("/v1/clusters", params=params, headers=self._headers)
            r.raise_for_status()
            page = r.json()
            names += [c["name"] for c in page["items"]]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        connections = []
        for name in names:
            r = await self._http.get(
                f"/v1/internal/clusters/{name}/connection", headers=self._headers
            )
            r.raise_for_status()
            connections.append(ClusterConnection.model_validate(r.json()))
        return connections
