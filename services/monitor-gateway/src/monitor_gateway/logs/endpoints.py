"""/v1/apps/{app}/logs: search stored lines, and tail new ones live (Server-Sent Events)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

import asyncpg
from aiokafka import AIOKafkaConsumer
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from flotilla_runtime.auth import Viewer
from flotilla_runtime.errors import PROBLEM_RESPONSES, BadRequest, Unavailable, Unprocessable
from flotilla_runtime.kafka import start_or_stop
from flotilla_runtime.params import Instant, NamePath, ObjectQuery
from flotilla_runtime.shutdown import Draining
from monitor_gateway.deps import LogsPoolDep, SettingsDep, TailsDep
from monitor_gateway.logs import store
from monitor_gateway.logs.filebeat import LEVELS, LogRow, Malformed, parse
from monitor_gateway.logs.schemas import LogLine, LogPage
from monitor_gateway.settings import Settings
from monitor_gateway.timerange import time_range

router = APIRouter(tags=["logs"], responses=PROBLEM_RESPONSES)
Name = ObjectQuery
Levels = Annotated[
    str | None,
    Query(
        pattern=r"^(trace|debug|info|warn|error|fatal)(,(trace|debug|info|warn|error|fatal))*$",
        description="one level or several, comma-separated",
    ),
]


class LogFilter:
    """The filters search and tail share (a FastAPI class dependency: query parameters)."""

    def __init__(
        self, env: Name = None, cluster: Name = None, pod: Name = None, level: Levels = None
    ) -> None:
        self.columns = {k: v for k, v in (("env", env), ("cluster", cluster), ("pod", pod)) if v}
        self.levels = level.split(",") if level else None


Filter = Annotated[LogFilter, Depends()]


def _line(row: Any) -> LogLine:
    return LogLine(**{k: row[k] for k in LogLine.model_fields})


def _cursor(row: Any) -> str:
    raw = f"{row['ts'].isoformat()}|{row['kpart']}|{row['koffset']}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int, int]:
    try:
        ts, part, offset = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(ts), int(part), int(offset)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not one this API returned") from None


@router.get(
    "/apps/{app}/logs",
    operation_id="searchLogs",
    summary="An app's log lines, newest first, by env, cluster, pod, level, time and text",
)
async def search_logs(
    app: NamePath,
    logs_pool: LogsPoolDep,
    _: Viewer,
    filters: Filter,
    settings: SettingsDep,
    since: Annotated[Instant | None, Query(description="default: an hour before `until`")] = None,
    until: Annotated[Instant | None, Query(description="default: now")] = None,
    q: Annotated[str | None, Query(max_length=200, description="full-text (words)")] = None,
    contains: Annotated[
        str | None, Query(max_length=200, description="substring, case-insensitive")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many lines")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=200, description="a next_cursor: older lines")
    ] = None,
) -> LogPage:
    """At most LOGS_SEARCH_MAX_SPAN_H hours at once (400 beyond), cancelled after
    LOGS_SEARCH_TIMEOUT_S (422: narrow the range or add filters)."""
    since, until = time_range(
        since,
        until,
        names=("since", "until"),
        max_span=timedelta(hours=settings.logs_search_max_span_h),
    )
    pool = await logs_pool()
    try:
        async with pool.acquire() as conn:
            rows = await store.search(
                conn,
                app=app,
                since=since,
                until=until,
                columns=filters.columns,
                levels=filters.levels,
                words=q,
                contains=contains,
                before=_decode_cursor(cursor) if cursor else None,
                limit=limit + 1,
                timeout_s=settings.logs_search_timeout_s,
            )
    except asyncpg.QueryCanceledError:
        raise Unprocessable(
            f"the search ran over {settings.logs_search_timeout_s:g} s: "
            "narrow the time range or add filters (env, cluster, pod, level)"
        ) from None
    more = len(rows) > limit
    rows = rows[:limit]
    return LogPage(
        items=[_line(r) for r in rows], next_cursor=_cursor(rows[-1]) if more and rows else None
    )


@router.get(
    "/apps/{app}/logs/tail",
    operation_id="tailLogs",
    summary="New log lines of an app as they arrive (Server-Sent Events, from the topic)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def tail_logs(
    app: NamePath,
    request: Request,
    _: Viewer,
    filters: Filter,
    tails: TailsDep,
    settings: SettingsDep,
) -> StreamingResponse:
    if tails.locked():
        raise Unavailable("too many live tails on this replica; try again shortly")
    wanted = {"app": app, **filters.columns}
    levels = set(filters.levels or LEVELS)
    return StreamingResponse(
        _tail(request, tails, settings, wanted, levels, request.state.draining),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _tail(
    request: Request,
    tails: asyncio.Semaphore,
    settings: Settings,
    wanted: dict[str, str],
    levels: set[str],
    draining: Draining,
) -> AsyncIterator[bytes]:
    """Lines from the moment the tail starts; a replica that shuts down ends it with a
    `reconnect` event (a tail has no past to resume: reconnecting starts a new one)."""
    async with tails:
        consumer = AIOKafkaConsumer(
            settings.logs_topic,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        await start_or_stop(consumer)
        try:
            for _ in range(100):  # positions fixed before we say we are tailing
                if consumer.assignment():
                    break
                await asyncio.sleep(0.05)
            assignment = list(consumer.assignment())
            await consumer.seek_to_end(*assignment)
            for tp in assignment:
                await consumer.position(tp)
            yield b": tailing\n\n"
            idle = 0.0
            while not await request.is_disconnected():
                if draining.is_set():
                    yield draining.reconnect_event()
                    return
                batch = await consumer.getmany(timeout_ms=250, max_records=2000)
                lines = [
                    row
                    for tp, records in batch.items()
                    for row in _rows(records, tp.partition)
                    if row.level in levels and all(getattr(row, k) == v for k, v in wanted.items())
                ]
                for row in lines:
                    yield _event(row)
                idle = 0.0 if lines else idle + 0.25
                if idle >= 15:
                    idle = 0.0
                    yield b": keep-alive\n\n"
        finally:
            await consumer.stop()


def _rows(records: list[Any], partition: int) -> list[LogRow]:
    out = []
    for record in records:
        try:
            out.append(parse(record.value, partition, record.offset))
        except Malformed:
            continue
    return out


def _event(row: LogRow) -> bytes:
    data = {k: v for k, v in row._asdict().items() if k not in ("kpart", "koffset")}
    data["ts"] = row.ts.isoformat()
    return f"data: {json.dumps(data)}\n\n".encode()
