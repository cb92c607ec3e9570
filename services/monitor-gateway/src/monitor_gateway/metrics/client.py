"""Prometheus's HTTP API, as monitor-gateway queries it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from flotilla_runtime.errors import BadRequest, DependencyFailed


class Prometheus:
    """Prometheus's HTTP API with a short cache (dashboards ask the same thing repeatedly)."""

    name = "prometheus-client"

    def __init__(self, url: str, *, cache_s: float = 5.0, timeout_s: float = 15.0) -> None:
        self._http = httpx.AsyncClient(base_url=url, timeout=timeout_s)
        self._cache_s = cache_s
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[float, Any]] = {}

    async def get(self, path: str, params: dict[str, str]) -> Any:
        key = (path, tuple(sorted(params.items())))
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._cache_s:
            return hit[1]
        try:
            r = await self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise DependencyFailed(f"Prometheus unreachable: {exc!r}") from None
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        if r.status_code == 400 or body.get("status") == "error":
            raise BadRequest(f"Prometheus: {body.get('error', r.text[:300])}")
        if r.status_code >= 300:
            raise DependencyFailed(f"Prometheus answered {r.status_code}")
        if len(self._cache) > 1000:
            self._cache.clear()
        self._cache[key] = (time.monotonic(), body["data"])
        return body["data"]

    async def close(self) -> None:
        await self._http.aclose()

    async def run(self) -> None:  # a worker only to close the client at shutdown
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()
