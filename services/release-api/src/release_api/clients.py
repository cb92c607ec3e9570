"""The other services and the clusters, as release-api reaches them.

- cluster-registry: an environment's placements (cluster, IDC, namespace) and each cluster's
  connection (internal endpoint, service token);
- k8s-sync: `wait` until the ingress serves exactly a set of pods of one cluster;
- the clusters: one kubernetes-asyncio ApiClient per cluster, built from its connection and
  rebuilt when the registry's connection changes (credentials rotated).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx
import structlog
from kubernetes_asyncio import client

from flotilla_contracts import ClusterConnection, problems
from flotilla_contracts.policy import EnvironmentPolicy
from flotilla_runtime.errors import DependencyFailed, NotFound
from flotilla_runtime.kube import api_client
from flotilla_runtime.registry import RegistryClient
from flotilla_runtime.transient import outage
from release_api.errors import UnknownEnvironment

log = structlog.get_logger(__name__)


class IngressNotConfigured(Exception):
    """The ingress cannot route the app and env at all (k8s-sync refused the route): no wait
    can make it serve. A backend still being created is not this: the wait goes on."""


@dataclass(frozen=True)
class Placement:
    cluster: str
    idc: str
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)  # cluster-registry's, for plans


@dataclass(frozen=True)
class Target:
    """An environment as a request sees it: where it places apps, and its policy."""

    env: str
    placements: list[Placement]
    policy: EnvironmentPolicy

    def placement(self, cluster: str) -> Placement:
        """Where the environment puts apps in `cluster` (404 when it has no such cluster)."""
        for placement in self.placements:
            if placement.cluster == cluster:
                return placement
        raise NotFound(f"environment {self.env} has no cluster {cluster!r}")


class Registry:
    """What release-api asks cluster-registry (flotilla_runtime.registry's typed client); a
    registry that cannot answer is RegistryUnavailable, a 503."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client

    async def target(self, env: str) -> Target:
        environment = await self.client.environment(env)
        if environment is None or not environment.clusters:
            raise UnknownEnvironment(f"environment {env!r} is unknown or maps to no cluster")
        out = []
        for placement in environment.clusters:
            cluster = await self.client.cluster(placement.cluster)
            idc = cluster.idc if cluster else ""
            labels = dict(cluster.labels) if cluster else {}
            out.append(Placement(placement.cluster, idc, placement.namespace, labels))
        return Target(env, sorted(out, key=lambda p: p.cluster), environment.policy)

    async def connection(self, cluster: str) -> ClusterConnection:
        connection = await self.client.connection(cluster)
        if connection is None:
            raise DependencyFailed(f"cluster {cluster!r} is not registered any more")
        return connection


def server_minor(major: str, minor: str) -> tuple[int, int]:
    """(1, 34) of /version's major "1" and minor "34" (or "34+", as some providers write it)."""
    digits = "".join(c for c in minor if c.isdigit())
    try:
        return int(major), int(digits)
    except ValueError:
        return 0, 0


class Clusters:
    """ApiClients per cluster, from the registry's connections. A connection is re-read from
    the registry at most every `refresh_s` (rollout steps run every half second; a rotated
    credential is picked up within that time). While the registry is unavailable the last
    known connection is used, so a registry outage does not stop a rollout."""

    def __init__(self, registry: Registry, *, refresh_s: float = 30.0) -> None:
        self._registry = registry
        self._refresh_s = refresh_s
        self._clients: dict[str, tuple[ClusterConnection, client.ApiClient]] = {}
        self._checked: dict[str, float] = {}
        self._sleep_hook: dict[str, tuple[client.ApiClient, bool]] = {}

    async def api(self, cluster: str) -> client.ApiClient:
        known = self._clients.get(cluster)
        now = time.monotonic()
        if known is not None and now - self._checked.get(cluster, 0.0) < self._refresh_s:
            return known[1]
        try:
            connection = await self._registry.connection(cluster)
        except Exception as exc:
            if known is None or outage(exc) is None:
                raise
            # cluster-registry is away: the last known connection still reaches the cluster
            # (a rotated credential is picked up when the registry answers again).
            log.warning("registry_unavailable_using_known", cluster=cluster, error=repr(exc))
            self._checked[cluster] = now
            return known[1]
        self._checked[cluster] = now
        if known is not None and known[0] == connection:
            return known[1]
        if known is not None:
            await known[1].close()
        api = await api_client(connection)
        self._clients[cluster] = (connection, api)
        return api

    async def sleep_hook(self, cluster: str) -> bool:
        """Whether the cluster's API server takes the preStop `sleep` action (Kubernetes 1.30
        and later; release_api.apps.podrun). Asked once per connection."""
        api = await self.api(cluster)
        known = self._sleep_hook.get(cluster)
        if known is not None and known[0] is api:
            return known[1]
        info = await client.VersionApi(api).get_code()
        supported = server_minor(info.major, info.minor) >= (1, 30)
        self._sleep_hook[cluster] = (api, supported)
        return supported

    async def close(self) -> None:
        for _, api in self._clients.values():
            await api.close()
        self._clients.clear()
        await self._registry.client.aclose()


class IngressSync:
    """k8s-sync's wait API — on every k8s-sync that answers `K8S_SYNC_URL`.

    Where each ingress pod runs its own k8s-sync (deploy/: a headless Service), the URL's name
    resolves to every pod, and the ingress holds the new pods only when each of them says so;
    one that cannot be reached is skipped, as an instance that is down (it is repaired in full
    when it returns), but at least one must answer. A name with one address, or an address,
    is one k8s-sync (which itself waits on every instance it drives).
    """

    RESOLVE_EVERY_S = 5.0
    FOLLOWING_FRESH_S = 0.5  # one question per app and env this often, however many clusters

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._targets: list[str] = [""]
        self._resolved_at = -1e9
        self._following: dict[tuple[str, str], tuple[float, list[dict[str, list[str]] | str]]] = {}
        self._asking: dict[tuple[str, str], asyncio.Lock] = {}

    async def targets(self) -> list[str]:
        """Base URLs to ask: "" (the client's own base URL) or one per address of its name."""
        now = time.monotonic()
        if now - self._resolved_at < self.RESOLVE_EVERY_S:
            return self._targets
        self._resolved_at = now
        url = self.http.base_url
        host, port = url.host, url.port or (443 if url.scheme == "https" else 80)
        try:
            ipaddress.ip_address(host)
            addresses: list[str] = []
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
                addresses = sorted({str(info[4][0]) for info in infos})
            except OSError:
                addresses = []
        if len(addresses) <= 1 or url.scheme != "http":
            self._targets = [""]
        else:
            self._targets = [f"http://{f'[{a}]' if ':' in a else a}:{port}" for a in addresses]
        return self._targets

    async def not_following(self, app: str, env: str, cluster: str) -> str | None:
        """Why the ingress would not follow `app`'s pods in `cluster` if they were replaced
        now (k8s-sync unreachable, not watching the cluster, failing to apply the app), or
        None when it would. Every k8s-sync behind the URL must follow."""
        key = (app, env)
        async with self._asking.setdefault(key, asyncio.Lock()):
            known = self._following.get(key)
            if known is None or time.monotonic() - known[0] > self.FOLLOWING_FRESH_S:
                targets = await self.targets()
                answers = await asyncio.gather(*(self._following_one(t, app, env) for t in targets))
                known = (time.monotonic(), list(answers))
                self._following[key] = known
        reasons: list[str] = []
        for answer in known[1]:
            if isinstance(answer, str):
                reasons.append(answer)
            elif cluster not in answer:
                reasons.append(f"k8s-sync does not watch cluster {cluster}")
            else:
                reasons += answer[cluster]
        return "; ".join(reasons) or None

    async def _following_one(self, base: str, app: str, env: str) -> dict[str, list[str]] | str:
        where = f" at {base}" if base else ""
        try:
            r = await self.http.get(
                f"{base}/v1/sync/apps/{app}/{env}/following", headers=self._headers, timeout=5
            )
        except httpx.HTTPError as exc:
            return f"k8s-sync unreachable{where} ({type(exc).__name__})"
        if r.status_code != 200:
            return f"k8s-sync{where} answered {r.status_code}"
        clusters: dict[str, list[str]] = r.json()["clusters"]
        return clusters

    async def wait(
        self, app: str, env: str, cluster: str, pods: list[str], timeout_s: float
    ) -> tuple[bool, str]:
        """(True, "") once the ingress serves exactly `pods` of `cluster`; else (False, why).
        Raises IngressNotConfigured when waiting longer cannot help."""
        targets = await self.targets()
        answers = await asyncio.gather(
            *(self._wait_one(t, app, env, cluster, pods, timeout_s) for t in targets)
        )
        reached = [a for a in answers if a is not None]
        if not reached:
            return False, "k8s-sync unreachable"
        failed = [why for ok, why in reached if not ok]
        return (not failed), "; ".join(failed)

    async def _wait_one(
        self, base: str, app: str, env: str, cluster: str, pods: list[str], timeout_s: float
    ) -> tuple[bool, str] | None:
        """One k8s-sync's answer, or None when it cannot be reached."""
        try:
            r = await self.http.post(
                f"{base}/v1/sync/apps/{app}/{env}/wait",
                json={"cluster": cluster, "pods": pods, "timeout_s": timeout_s},
                headers=self._headers,
                timeout=timeout_s + 10,
            )
        except httpx.HTTPError:
            return None
        if r.status_code == 200:
            return True, ""
        try:
            problem = r.json()
            detail = problem.get("detail", r.text)
        except ValueError:
            problem, detail = {}, r.text
        if problem.get("type") == problems.uri(problems.ROUTE_NOT_RENDERED):
            raise IngressNotConfigured(str(detail))
        where = f" at {base}" if base else ""
        return False, f"ingress not in step{where} ({r.status_code}): {str(detail)[:500]}"
