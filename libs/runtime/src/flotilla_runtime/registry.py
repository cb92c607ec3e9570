"""cluster-registry's API as the other services read it: one typed client.

k8s-sync and monitor-gateway list every cluster's connection (ClusterSource); release-api reads
an environment's placements and a cluster's connection for each rollout step. They all go
through this client, so the registry's answers are validated in one place (pydantic, unknown
fields ignored) and "the registry cannot answer" is one exception, `RegistryUnavailable`, a
503 problem with Retry-After where it reaches an API caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from flotilla_contracts import ClusterConnection
from flotilla_contracts.policy import EnvironmentPolicy
from flotilla_runtime.errors import Unavailable

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")


class RegistryUnavailable(Unavailable):
    """cluster-registry did not answer, or answered something that is not its API: a 503 with
    Retry-After where it reaches an API caller (the request changed nothing; try again)."""

    type_ = "registry-unavailable"
    title = "cluster-registry is unavailable"

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": "5"}


class RegisteredCluster(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    idc: str
    labels: dict[str, str] = Field(default_factory=dict)


class EnvironmentPlacement(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cluster: str
    namespace: str


class RegisteredEnvironment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    clusters: list[EnvironmentPlacement]
    policy: EnvironmentPolicy = Field(default_factory=EnvironmentPolicy)


_Environments = TypeAdapter(list[RegisteredEnvironment])


class _ClusterPage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    items: list[RegisteredCluster]
    next_cursor: str | None = None


class RegistryClient:
    """`http` has the registry's base URL; `token` is this service's bearer token."""

    def __init__(self, http: httpx.AsyncClient, *, token: str | None) -> None:
        self.http = http
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def clusters(self) -> list[RegisteredCluster]:
        """Every registered cluster, all pages."""
        found: list[RegisteredCluster] = []
        cursor: str | None = None
        while True:
            params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
            page = await self._get("/v1/clusters", _ClusterPage, params=params)
            if page is None:
                raise RegistryUnavailable("cluster-registry has no /v1/clusters")
            found += page.items
            cursor = page.next_cursor
            if not cursor:
                return found

    async def cluster(self, name: str) -> RegisteredCluster | None:
        return await self._get(f"/v1/clusters/{name}", RegisteredCluster)

    async def environment(self, name: str) -> RegisteredEnvironment | None:
        return await self._get(f"/v1/environments/{name}", RegisteredEnvironment)

    async def environments(self) -> list[RegisteredEnvironment]:
        """Every environment with the clusters and namespaces it maps to."""
        found = await self._get("/v1/environments", _Environments)
        if found is None:
            raise RegistryUnavailable("cluster-registry has no /v1/environments")
        return found

    async def connection(self, cluster: str) -> ClusterConnection | None:
        """How to reach `cluster` (its API server and credentials; internal endpoint)."""
        return await self._get(f"/v1/internal/clusters/{cluster}/connection", ClusterConnection)

    async def connections(self) -> list[ClusterConnection]:
        """Every registered cluster's connection (one deregistered meanwhile is left out)."""
        out = []
        for cluster in await self.clusters():
            connection = await self.connection(cluster.name)
            if connection is not None:
                out.append(connection)
        return out

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _get(
        self,
        path: str,
        model: type[ModelT] | TypeAdapter[T],
        *,
        params: dict[str, Any] | None = None,
    ) -> ModelT | T | None:
        """The answer as `model` (a model, or an adapter of a list), None for a 404."""
        try:
            r = await self.http.get(path, params=params, headers=self._headers)
        except httpx.HTTPError as exc:
            raise RegistryUnavailable(f"cluster-registry unreachable: {exc!r}") from None
        if r.status_code == 404:
            return None
        if r.status_code >= 400:
            raise RegistryUnavailable(f"cluster-registry answered {r.status_code} for {path}")
        try:
            if isinstance(model, TypeAdapter):
                return model.validate_python(r.json())
            return model.model_validate(r.json())
        except (ValueError, ValidationError) as exc:
            raise RegistryUnavailable(f"cluster-registry's answer for {path}: {exc}") from None
