"""A shared informer: list, then watch from the list's resourceVersion, and never give up.

The client-go Reflector's pattern, over kubernetes-asyncio's transport (auth, TLS, retries of
the connection) but with our own stream handling, because the library does not recover by
itself (it retries a 410 once with the same stale version, and a dropped stream surfaces as a
payload error): list → `replace` → watch with bookmarks and a bounded `timeoutSeconds` → track
the resourceVersion from every event and bookmark → on a clean end watch again from it → on 410
list again → on a connection error back off (capped) and resume from the last version.

Objects stay plain dicts (JSON as the API server sent it): sync paths stay fast and need no
model round trip.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import structlog
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_contracts import ClusterConnection
from flotilla_runtime.kube import api_client

log = structlog.get_logger(__name__)

Obj = dict[str, Any]
ListFunction = Callable[..., Awaitable[Any]]


class InformerHandler(Protocol):
    async def replace(self, objects: list[Obj], resource_version: str) -> None:
        """The full current set after a (re)list; objects missing from it are gone."""

    async def apply(self, event_type: str, obj: Obj) -> None:
        """One change: ADDED, MODIFIED or DELETED."""


@dataclass
class InformerHealth:
    """What a status API shows about one informer."""

    state: str = "starting"  # listing | watching | backing-off | stopped
    resource_version: str = ""
    last_event_at: float | None = None
    last_error: str | None = None
    relists: int = 0
    reconnects: int = 0  # after an error
    rewatches: int = 0  # after a stream ended without one
    since: float = field(default_factory=time.monotonic)

    def set(self, state: str, error: str | None = None) -> None:
        self.state = state
        self.since = time.monotonic()
        if error is not None:
            self.last_error = error


class Expired(Exception):
    """The watch's resourceVersion is too old (410): list again."""


class Informer:
    """Worker (`name`, `run()`): feeds `handler` from a list function such as
    `CoreV1Api(api).list_namespaced_pod` with its positional arguments."""

    def __init__(
        self,
        name: str,
        list_function: ListFunction,
        *args: Any,
        handler: InformerHandler,
        label_selector: str | None = None,
        field_selector: str | None = None,
        watch_timeout_s: int = 300,
        max_backoff_s: float = 10.0,
        page_size: int = 500,
    ) -> None:
        self.name = name
        self._list = list_function
        self._args = args
        self._handler = handler
        self._selectors = {
            k: v
            for k, v in (("label_selector", label_selector), ("field_selector", field_selector))
            if v
        }
        self._watch_timeout_s = watch_timeout_s
        self._max_backoff_s = max_backoff_s
        self._page_size = page_size
        self.health = InformerHealth()

    async def run(self) -> None:
        backoff = 0.0
        resource_version: str | None = None
        try:
            while True:
                try:
                    if resource_version is None:
                        resource_version = await self._relist()
                    resource_version = await self._watch(resource_version)
                    self.health.rewatches += 1
                    backoff = 0.0
                except Expired:
                    log.info("informer_relist", informer=self.name, reason="410")
                    resource_version = None
                except (
                    aiohttp.ClientError,
                    OSError,
                    TimeoutError,
                    ApiException,
                    json.JSONDecodeError,
                ) as exc:
                    if isinstance(exc, ApiException) and exc.status == 410:
                        resource_version = None
                        continue
                    # Resume from the last version an event carried, not the stream's first.
                    if resource_version is not None and self.health.resource_version:
                        resource_version = self.health.resource_version
                    backoff = min(self._max_backoff_s, max(0.2, backoff * 2))
                    self.health.reconnects += 1
                    self.health.set("backing-off", f"{type(exc).__name__}: {str(exc)[:200]}")
                    log.warning(
                        "informer_backoff",
                        informer=self.name,
                        error=repr(exc)[:300],
                        retry_in_s=backoff,
                    )
                    await asyncio.sleep(backoff * random.uniform(0.8, 1.2))
        finally:
            self.health.set("stopped")

    async def _relist(self) -> str:
        self.health.set("listing")
        items: list[Obj] = []
        token: str | None = None
        resource_version = ""
        while True:
            kwargs: dict[str, Any] = {"limit": self._page_size, **self._selectors}
            if token:
                kwargs["_continue"] = token
            response = await self._list(*self._args, _preload_content=False, **kwargs)
            body = json.loads(await response.read())
            items += body.get("items") or []
            metadata = body.get("metadata") or {}
            resource_version = resource_version or metadata.get("resourceVersion", "")
            token = metadata.get("continue")
            if not token:
                break
        await self._handler.replace(items, resource_version)
        self.health.relists += 1
        self.health.resource_version = resource_version
        return resource_version

    async def _watch(self, resource_version: str) -> str:
        self.health.set("watching")
        response = await self._list(
            *self._args,
            watch=True,
            resource_version=resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=self._watch_timeout_s,
            _preload_content=False,
            _request_timeout=self._watch_timeout_s + 30,
            **self._selectors,
        )
        async with response:
            async for line in response.content:
                if not line.strip():
                    continue
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        raise Expired(obj.get("message", "expired"))
                    raise ApiException(status=obj.get("code", 500), reason=obj.get("message"))
                resource_version = (obj.get("metadata") or {}).get(
                    "resourceVersion", resource_version
                )
                self.health.resource_version = resource_version
                self.health.last_event_at = time.monotonic()
                if kind in ("ADDED", "MODIFIED", "DELETED"):
                    await self._handler.apply(kind, obj)
        return resource_version  # a clean end (timeoutSeconds): watch again from here


InformerFactory = Callable[[ClusterConnection, client.ApiClient], Informer | Sequence[Informer]]


class ClusterInformers:
    """The informers of each cluster, kept matched to a changing set of cluster connections.

    `set()` starts informers for new clusters, restarts those whose connection changed
    (credentials rotated) and stops those that left; `make(connection, api)` builds a cluster's
    informer (or several, sharing its client) and `forgotten(name)` is told when a cluster left
    the set (not on a restart).
    """

    def __init__(
        self, make: InformerFactory, *, forgotten: Callable[[str], None] | None = None
    ) -> None:
        self._make = make
        self._forgotten = forgotten
        self.connections: dict[str, ClusterConnection] = {}
        self._tasks: dict[str, list[asyncio.Task[None]]] = {}
        self._clients: dict[str, client.ApiClient] = {}

    async def set(self, connections: list[ClusterConnection]) -> None:
        wanted = {c.cluster: c for c in connections}
        for name in list(self.connections):
            if wanted.get(name) != self.connections[name]:
                await self._stop(name, forget=name not in wanted)
        for name, connection in wanted.items():
            if name not in self.connections:
                await self._start(connection)

    async def _start(self, connection: ClusterConnection) -> None:
        api = await api_client(connection)
        made = self._make(connection, api)
        informers = [made] if isinstance(made, Informer) else list(made)
        self.connections[connection.cluster] = connection
        self._clients[connection.cluster] = api
        self._tasks[connection.cluster] = [
            asyncio.create_task(i.run(), name=i.name) for i in informers
        ]
        log.info("cluster_watch_started", informers=[i.name for i in informers])

    async def _stop(self, name: str, *, forget: bool) -> None:
        tasks = self._tasks.pop(name, [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        api = self._clients.pop(name, None)
        if api is not None:
            await api.close()
        self.connections.pop(name, None)
        if forget and self._forgotten is not None:
            self._forgotten(name)
        log.info("cluster_watch_stopped", cluster=name, forget=forget)
