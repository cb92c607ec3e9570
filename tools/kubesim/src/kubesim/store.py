"""One cluster's objects, its resourceVersion counter, watch fan-out and history.

Everything here is synchronous: one asyncio loop owns a store, so each write is atomic and the
snapshot a watch starts from is consistent with the events it then receives.
"""

from __future__ import annotations

import asyncio
import builtins
import copy
import json
import random
import uuid
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kubesim.resources import ResourceType
from kubesim.selectors import Requirement, labels_match

Obj = dict[str, Any]
Listener = Callable[[str, ResourceType, Obj, Obj | None], None]
_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(n: int = 5) -> str:
    return "".join(random.choice(_SUFFIX_CHARS) for _ in range(n))


class ApiError(Exception):
    """An error the API answers with a Status object."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> Obj:
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def not_found(rt: ResourceType, name: str) -> ApiError:
    group = rt.group or ""
    return ApiError(
        404,
        "NotFound",
        f'{rt.plural}{"." + group if group else ""} "{name}" not found',
        {"name": name, "group": group, "kind": rt.plural},
    )


def conflict(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.plural} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        {"name": name, "group": rt.group, "kind": rt.plural},
    )


class WatchEvent:
    """One change; its JSON line is built once however many watchers send it."""

    __slots__ = ("rv", "type", "rt", "obj", "old", "_line")

    def __init__(self, rv: int, type_: str, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
        self.rv = rv
        self.type = type_
        self.rt = rt
        self.obj = obj
        self.old = old
        self._line: bytes | None = None

    def line(self, type_: str | None = None) -> bytes:
        if type_ is not None and type_ != self.type:
            return json.dumps({"type": type_, "object": self.obj}).encode() + b"\n"
        if self._line is None:
            self._line = json.dumps({"type": self.type, "object": self.obj}).encode() + b"\n"
        return self._line


class Watcher:
    """A live watch: events matching its resource, namespace and selectors, in order."""

    def __init__(
        self,
        rt: ResourceType,
        namespace: str | None,
        labels: list[Requirement],
        fields: Callable[[Obj], bool],
    ) -> None:
        self.rt = rt
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.queue: asyncio.Queue[tuple[WatchEvent, str] | None] = asyncio.Queue()

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        meta = obj["metadata"]
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        return labels_match(self.labels, meta.get("labels")) and self.fields(obj)

    def offer(self, event: WatchEvent) -> None:
        """Deliver `event` as the API server would: an object that starts or stops matching
        the selectors arrives as ADDED or DELETED."""
        if event.rt is not self.rt:
            return
        now, before = self.matches(event.obj), self.matches(event.old)
        if event.type == "MODIFIED":
            if now and not before:
                self.queue.put_nowait((event, "ADDED"))
            elif before and not now:
                self.queue.put_nowait((event, "DELETED"))
            elif now:
                self.queue.put_nowait((event, "MODIFIED"))
        elif now:
            self.queue.put_nowait((event, event.type))

    def close(self) -> None:
        self.queue.put_nowait(None)


class Store:
    def __init__(self, *, history: int = 250_000) -> None:
        self._rv = 1000
        self._objects: dict[str, dict[tuple[str, str], Obj]] = {}
        self._history: deque[WatchEvent] = deque(maxlen=history)
        self._oldest_rv = self._rv  # resuming from before this is 410 Gone
        self._watchers: set[Watcher] = set()
        self._listeners: list[Listener] = []

    # --- reading ----------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        return self._rv

    @property
    def oldest_resumable_rv(self) -> int:
        return self._history[0].rv - 1 if self._history else self._oldest_rv

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        return self._objects.get(rt.plural, {}).get((namespace or "", name))

    def must_get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        obj = self.get(rt, namespace, name)
        if obj is None:
            raise not_found(rt, name)
        return obj

    def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        labels: list[Requirement] | None = None,
        fields: Callable[[Obj], bool] | None = None,
    ) -> list[Obj]:
        items = []
        for (ns, _), obj in sorted(self._objects.get(rt.plural, {}).items()):
            if namespace and ns != namespace:
                continue
            if labels and not labels_match(labels, obj["metadata"].get("labels")):
                continue
            if fields and not fields(obj):
                continue
            items.append(obj)
        return items

    def count(self, rt: ResourceType) -> int:
        return len(self._objects.get(rt.plural, {}))

    # --- writing ----------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def create(self, rt: ResourceType, obj: Obj) -> Obj:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise ApiError(
                    422,
                    "Invalid",
                    "name or generateName is required",
                    {"causes": [{"field": "metadata.name", "message": "Required value"}]},
                )
            meta["name"] = meta["generateName"] + random_suffix()
        ns = meta.get("namespace", "") if rt.namespaced else ""
        if not rt.namespaced:
            meta.pop("namespace", None)
        key = (ns, meta["name"])
        bucket = self._objects.setdefault(rt.plural, {})
        if key in bucket:
            raise ApiError(
                409,
                "AlreadyExists",
                f'{rt.plural} "{meta["name"]}" already exists',
                {"name": meta["name"], "group": rt.group, "kind": rt.plural},
            )
        obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_iso()
        meta["resourceVersion"] = str(self._next_rv())
        if rt.generation:
            meta["generation"] = 1
        for transient in ("deletionTimestamp", "deletionGracePeriodSeconds"):
            meta.pop(transient, None)
        bucket[key] = obj
        self._emit("ADDED", rt, obj, None)
        return obj

    def replace(self, rt: ResourceType, obj: Obj, *, check_rv: bool = True) -> Obj:
        """Store `obj` over the current version (which must exist)."""
        meta = obj["metadata"]
        ns = meta.get("namespace", "") if rt.namespaced else ""
        current = self.must_get(rt, ns, meta["name"])
        cur_meta = current["metadata"]
        sent_rv = meta.get("resourceVersion")
        if check_rv and sent_rv and sent_rv != cur_meta["resourceVersion"]:
            raise conflict(rt, meta["name"])
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        obj["kind"], obj["apiVersion"] = rt.kind, rt.api_version
        for immutable in (
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ):
            if immutable in cur_meta:
                meta[immutable] = cur_meta[immutable]
            else:
                meta.pop(immutable, None)
        if rt.generation:
            generation = cur_meta.get("generation", 1)
            if obj.get("spec") != current.get("spec"):
                generation += 1
            meta["generation"] = generation
        if meta.get("namespace") is None and rt.namespaced:
            meta["namespace"] = ns
        meta["resourceVersion"] = str(self._next_rv())
        self._objects[rt.plural][(ns, meta["name"])] = obj
        self._emit("MODIFIED", rt, obj, current)
        return obj

    def mutate(
        self, rt: ResourceType, namespace: str | None, name: str, change: Callable[[Obj], None]
    ) -> Obj | None:
        """Controllers' read-modify-write: apply `change` to a copy and store it if it differs."""
        current = self.get(rt, namespace, name)
        if current is None:
            return None
        updated = copy.deepcopy(current)
        change(updated)
        if updated == current:
            return current
        return self.replace(rt, updated, check_rv=False)

    def mark_terminating(
        self, rt: ResourceType, namespace: str | None, name: str, grace_s: int
    ) -> Obj:
        """Graceful deletion's first step: set deletionTimestamp (which writes cannot)."""
        current = self.must_get(rt, namespace, name)
        obj = copy.deepcopy(current)
        obj["metadata"]["deletionTimestamp"] = now_iso()
        obj["metadata"]["deletionGracePeriodSeconds"] = grace_s
        obj["metadata"]["resourceVersion"] = str(self._next_rv())
        ns = namespace or "" if rt.namespaced else ""
        self._objects[rt.plural][(ns, name)] = obj
        self._emit("MODIFIED", rt, obj, current)
        return obj

    def remove(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        ns = namespace or "" if rt.namespaced else ""
        current = self._objects.get(rt.plural, {}).pop((ns, name), None)
        if current is None:
            raise not_found(rt, name)
        final = copy.deepcopy(current)
        final["metadata"]["resourceVersion"] = str(self._next_rv())
        self._emit("DELETED", rt, final, current)
        return final

    def _emit(self, type_: str, rt: ResourceType, obj: Obj, old: Obj | None) -> None:
        event = WatchEvent(self._rv, type_, rt, obj, old)
        self._history.append(event)
        for watcher in list(self._watchers):
            watcher.offer(event)
        for listener in self._listeners:
            listener(type_, rt, obj, old)

    # --- watching ---------------------------------------------------------------------------

    def watch(self, watcher: Watcher, since: int | None) -> builtins.list[tuple[WatchEvent, str]]:
        """Register `watcher`; returns what it must send first.

        `since` None: a synthetic ADDED for every current object. Otherwise the recorded events
        after `since`; ApiError 410 when history no longer reaches back that far.
        """
        if since is None:
            first = [
                (
                    WatchEvent(int(o["metadata"]["resourceVersion"]), "ADDED", watcher.rt, o, None),
                    "ADDED",
                )
                for o in self.list(watcher.rt, watcher.namespace, watcher.labels, watcher.fields)
            ]
        else:
            if since < self.oldest_resumable_rv:
                raise ApiError(
                    410,
                    "Expired",
                    f"too old resource version: {since} ({self.oldest_resumable_rv})",
                )
            probe = Watcher(watcher.rt, watcher.namespace, watcher.labels, watcher.fields)
            for event in self._history:
                if event.rv > since:
                    probe.offer(event)
            first = []
            while not probe.queue.empty():
                item = probe.queue.get_nowait()
                assert item is not None
                first.append(item)
        self._watchers.add(watcher)
        return first

    def unwatch(self, watcher: Watcher) -> None:
        self._watchers.discard(watcher)

    def compact(self) -> None:
        """Forget all history: any resume from an older version now gets 410."""
        self._history.clear()
        self._oldest_rv = self._rv

    def expire_watches(self) -> int:
        """Send every live watch a 410 ERROR and end it (what a compaction does to laggards)."""
        watchers = list(self._watchers)
        for watcher in watchers:
            watcher.queue.put_nowait(
                (
                    WatchEvent(
                        self._rv,
                        "ERROR",
                        watcher.rt,
                        ApiError(410, "Expired", "too old resource version").status(),
                        None,
                    ),
                    "ERROR",
                )
            )
            watcher.close()
        self.compact()
        return len(watchers)

    def close_watches(self) -> int:
        watchers = list(self._watchers)
        for watcher in watchers:
            watcher.close()
        return len(watchers)
