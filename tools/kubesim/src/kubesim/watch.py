"""Watch streams of the simulated API server: newline-delimited JSON events, bookmarks, the
`timeoutSeconds` end, an expired version answered in the stream, and the knobs that shorten or
drop a stream on purpose (`watch_max_s`, `watch_drop_after_s`)."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from kubesim.knobs import Knobs
from kubesim.resources import ResourceType
from kubesim.routes import Route, bad_request
from kubesim.selectors import parse_field_selector, parse_label_selector
from kubesim.store import ApiError, Store, Watcher

TRUE = {"true", "1", "yes"}
DEFAULT_WATCH_TIMEOUT_S = 1800
JSON = "application/json"


async def stream(
    request: web.Request, route: Route, store: Store, knobs: Knobs
) -> web.StreamResponse:
    """One watch request, streamed as the API server does (docs/reference/kubernetes-watch.md)."""
    q = request.query
    watcher = Watcher(
        route.rt,
        route.namespace,
        parse_label_selector(q.get("labelSelector")),
        parse_field_selector(q.get("fieldSelector")),
    )
    rv_param = q.get("resourceVersion", "")
    try:
        since = None if rv_param in ("", "0") else int(rv_param)
    except ValueError as exc:
        raise bad_request(f"invalid resourceVersion {rv_param!r}") from exc
    bookmarks = q.get("allowWatchBookmarks", "").lower() in TRUE
    timeout = float(q.get("timeoutSeconds") or DEFAULT_WATCH_TIMEOUT_S)
    if knobs.watch_max_s is not None:
        timeout = min(timeout, knobs.watch_max_s)
    response = web.StreamResponse(status=200, headers={"Content-Type": JSON})
    response.enable_chunked_encoding()
    try:
        first = store.watch(watcher, since)
    except ApiError as err:
        # An expired version is answered in the stream, as the real API server does.
        await response.prepare(request)
        await response.write(json.dumps({"type": "ERROR", "object": err.status()}).encode() + b"\n")
        await response.write_eof()
        return response
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    drop_at = (
        loop.time() + knobs.watch_drop_after_s if knobs.watch_drop_after_s is not None else None
    )
    try:
        await response.prepare(request)
        if first:
            await response.write(b"".join(ev.line(t) for ev, t in first))
        while True:
            now = loop.time()
            if drop_at is not None and now >= drop_at:
                assert request.transport is not None
                request.transport.abort()  # no final chunk: an abrupt drop
                return response
            end = min(deadline, drop_at) if drop_at is not None else deadline
            if now >= end:
                break
            wait = min(end - now, knobs.bookmark_interval_s) if bookmarks else end - now
            try:
                item = await asyncio.wait_for(watcher.queue.get(), wait)
            except TimeoutError:
                if bookmarks and loop.time() < end:
                    await response.write(_bookmark(route.rt, store))
                continue
            if item is None:
                break
            lines = [item[0].line(item[1])]
            closed = False
            while not watcher.queue.empty() and len(lines) < 512:
                more = watcher.queue.get_nowait()
                if more is None:
                    closed = True
                    break
                lines.append(more[0].line(more[1]))
            await response.write(b"".join(lines))
            if closed:
                break
        await response.write_eof()
    except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
        pass  # the client went away mid-stream
    finally:
        store.unwatch(watcher)
    return response


def _bookmark(rt: ResourceType, store: Store) -> bytes:
    obj = {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        "metadata": {
            "resourceVersion": str(store.resource_version),
            "annotations": {"k8s.io/initial-events-end": "true"},
        },
    }
    return json.dumps({"type": "BOOKMARK", "object": obj}).encode() + b"\n"
