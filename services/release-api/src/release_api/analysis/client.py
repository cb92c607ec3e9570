"""monitor-gateway's measurements, as release-api's analysis asks for them (typed).

Every way a measurement can fail — monitor-gateway unreachable or answering an error,
Prometheus away behind it, a query refused — comes back as a `Measured` with its `error` set:
the sample is inconclusive. Nothing here raises for an outage, so an analysis never passes
because it could not look.
"""

from __future__ import annotations

from typing import Any

import httpx

from flotilla_contracts.analysis import Check
from release_api.analysis.judge import Measured

PATH = "/v1/analysis/measurements"


class Measurements:
    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def measure(
        self,
        *,
        app: str,
        env: str,
        version: str | None,
        clusters: list[str],
        check: Check,
        gray: bool = False,
    ) -> Measured:
        body: dict[str, Any] = {
            "app": app,
            "env": env,
            "version": version,
            "clusters": clusters,
            "check": check.model_dump(mode="json", exclude_none=True),
            "gray": gray,
        }
        try:
            r = await self.http.post(PATH, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            return Measured(error=f"monitor-gateway unreachable: {type(exc).__name__}")
        if r.status_code != 200:
            detail = ""
            try:
                detail = str(r.json().get("detail", ""))[:300]
            except ValueError:
                pass
            return Measured(error=f"monitor-gateway answered {r.status_code}: {detail}".strip())
        data = r.json()
        values = data.get("canary") if gray else data.get("clusters")
        return Measured(values=dict(values or {}), wave=data.get("wave"))

    async def close(self) -> None:
        await self.http.aclose()
