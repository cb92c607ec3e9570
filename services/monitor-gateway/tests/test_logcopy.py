"""The native encoder (`flotilla_logcopy`) against the Python parser it must match.

Both read the same corpus: Filebeat events as kubesim writes them plus the edge cases of the
format (labels dedotted or nested, levels from everywhere, escapes, NULs, time zones, rounding,
malformed records). The same records must be refused, and the rows PostgreSQL stores from the
native COPY tuples must equal, column by column, the rows of the Python parser COPYed by asyncpg.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC
from typing import Any

import asyncpg
import pytest
from flotilla_logcopy import COPY_HEADER, COPY_TRAILER, encode

from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_runtime.db import asyncpg_dsn
from kubesim.logship import filebeat_event
from monitor_gateway.logs.filebeat import COLUMNS, LogRow, Malformed, parse

pytestmark = pytest.mark.integration

COLUMNS_SQL = """
    ts timestamptz NOT NULL, app text NOT NULL, env text NOT NULL, cluster text NOT NULL,
    idc text NOT NULL, stage text NOT NULL, namespace text NOT NULL, pod text NOT NULL,
    container text NOT NULL, level text NOT NULL, message text NOT NULL,
    kpart integer NOT NULL, koffset bigint NOT NULL
"""


def kubesim_line(i: int, message: str) -> bytes:
    pod = {
        "metadata": {
            "name": f"web-{i % 7}",
            "namespace": "shop",
            "uid": f"u{i}",
            "labels": {
                "flotilla.io/app": "shop",
                "flotilla.io/env": "prod",
                "flotilla.io/cluster": "idc-a",
                "flotilla.io/idc": "idc-a",
                "flotilla.io/stage": "gray" if i % 2 else "stable",
            },
        },
        "spec": {"containers": [{"name": "web"}], "nodeName": "n1"},
        "status": {"podIP": "127.10.0.2"},
    }
    return json.dumps(filebeat_event("idc-a", pod, message)).encode()


def event(message: Any = "x", labels: Any = None, **fields: Any) -> bytes:
    body: dict[str, Any] = {
        "@timestamp": "2026-11-27T10:00:00.123Z",
        "message": message,
        "agent": {"version": "8.14.3", "tags": [1, 2.5, None, True, {"a": []}]},
        "kubernetes": {
            "namespace": "shop",
            "pod": {"name": "web-1"},
            "container": {"name": "web"},
            "labels": {"flotilla_io/app": "shop"} if labels is None else labels,
        },
    }
    body.update(fields)
    return json.dumps(body).encode()


MESSAGES = [
    "INFO started",
    "WARNING: disk",
    "warn: lower case",
    "2026-11-27 10:00:00 [CRITICAL] down",
    "[err] short form",
    "ERRORS is not a level word",
    "x" * 70 + " ERROR after the first 64 characters",
    "x" * 60 + " ERROR",
    "no level here",
    "naïve café ünïcode WARN line",
    "tab\tERROR\tseparated",
    "under_ERROR_score",
    '{"level":"DEBUG","msg":"x"}',
    '{"lvl":"warning"}',
    '{"severity":"Critical"}',
    '{"level":"","lvl":"error"}',
    '{"level":"loud"}',
    '{"level": 3}',
    "{not json ERROR",
    "with a NUL \x00 inside",
    "",
    'quote " and backslash \\ and \u2028 separator',
    "emoji 🚀 ERROR",
]
CORPUS = [
    *(kubesim_line(i, m) for i, m in enumerate(MESSAGES)),
    event(labels={"flotilla_io/app": "shop", "flotilla_io/env": "prod", "flotilla_io/idc": "a"}),
    event(labels={"flotilla": {"io/app": "shop", "io/stage": "gray", "io/env": "test"}}),
    event(labels={"flotilla_io/app": "shop", "flotilla": {"io/cluster": "k9"}}),
    event(labels={"app_kubernetes_io/name": "web"}, orchestrator={"cluster": {"name": "k1"}}),
    event(labels={"app": {"kubernetes": {"io/name": "by-nested-name"}}}),
    event(labels={"flotilla_io/app": 'sh\u00f6p "q" \\ \u0001'}),
    event(labels={"flotilla_io/app": None, "flotilla_io/env": "prod"}),
    event(labels={}),
    event(kubernetes=None),
    event(log={"level": "WARNING"}),
    event(log={"level": None}, message="ERROR from the message"),
    event(log={"level": "trace"}, message="ERROR ignored: the shipper knows"),
    event(**{"@timestamp": "2026-11-27T10:00:00.1234565Z"}),
    event(**{"@timestamp": "2026-11-27T23:59:59.9999995Z"}),
    event(**{"@timestamp": "2026-11-27 10:00:00+05:30"}),
    event(**{"@timestamp": "2026-11-28T00:30:00+01:00"}),
    event(**{"@timestamp": "2026-11-27t10:00:00.5z"}),
    event(**{"@timestamp": "2026-11-27T10:00:00-0800"}),
    event(**{"@timestamp": "2024-02-29T12:00:00Z"}),
    # refused by both
    event(**{"@timestamp": "2026-11-27T10:00:00"}),
    event(**{"@timestamp": "2026-02-29T10:00:00Z"}),
    event(**{"@timestamp": "2026-11-27T10:00:60Z"}),
    event(**{"@timestamp": "2026-11-27T10:00Z"}),
    event(**{"@timestamp": "2026-11-27T10:00:00.Z"}),
    event(**{"@timestamp": "yesterday"}),
    event(**{"@timestamp": 1764237600}),
    event(message=None),
    event(message=42),
    event(labels={"flotilla_io/app": 7}),
    event(kubernetes={"pod": None}),
    b'{"message": "no timestamp"}',
    b"not json",
    b"[1, 2, 3]",
    b"",
]


async def test_native_rows_equal_the_python_parser_s(postgres_url: str) -> None:
    url = await fresh_database(postgres_url, f"logcopy_{uuid.uuid4().hex[:8]}")
    values: list[bytes | None] = [*CORPUS, None]
    offsets = list(range(1000, 1000 + len(values)))
    rows: list[LogRow] = []
    refused: list[int] = []
    for i, value in enumerate(values):
        try:
            rows.append(parse(value, 3, offsets[i]))
        except Malformed:
            refused.append(i)
    tuples, count, dead, days = encode(values, offsets, 3)
    assert [i for i, _ in dead] == refused
    assert all(reason for _, reason in dead)
    assert count == len(rows) == len(values) - len(refused)
    assert sorted(days) == sorted(
        {(row.ts.astimezone(UTC).date().toordinal() - 719_163) for row in rows}
    )
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for table in ("native", "python"):
            await conn.execute(f"CREATE TABLE {table} ({COLUMNS_SQL})")
        stream = io.BytesIO(COPY_HEADER + tuples + COPY_TRAILER)
        await conn.copy_to_table("native", source=stream, columns=COLUMNS, format="binary")
        await conn.copy_records_to_table("python", records=rows, columns=COLUMNS)
        for a, b in (("native", "python"), ("python", "native")):
            extra = await conn.fetch(f"SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b}")
            assert extra == [], (a, extra)
        assert await conn.fetchval("SELECT count(*) FROM native") == len(rows)
    finally:
        await conn.close()
