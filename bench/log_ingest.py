"""Log ingestion: Filebeat lines from Kafka into PostgreSQL, against raw asyncpg COPY.

Setup: PostgreSQL and Apache Kafka (real, on loopback); N Filebeat-format lines (kubesim's
format; 20 apps × 10 pods, messages of ~100 bytes, a third of them JSON) produced to a
6-partition topic first. Measured: monitor-gateway's `LogIngest` (parse, COPY into the day-
partitioned table, dead letters, stored offsets, one transaction per batch) in this process,
from start to the last line stored; then two `flotilla-monitor-gateway ingest` processes (two
replicas of the consumer group) draining the same lines into another database, from the first
line stored to the last (their start-up, mostly Python imports and the group join, reported
apart). Floor, same run: the same rows, already parsed, COPYed with asyncpg in batches of the
same size into an identical fresh database, three times (the median counts). Then the table is
filled to M rows over 24 hours (raw COPY) and `GET /v1/apps/{app}/logs` is asked for one-hour
windows of one app (newest first, 100 lines; a third with a level filter, a third with a
substring).
Keys: lines_per_s, copy_lines_per_s, ratio, replicas_lines_per_s, replicas_ratio,
replicas_first_line_s, query_p50_ms, query_p99_ms, rows.
Usage: uv run python bench/log_ingest.py [--quick]   (full: N=1,000,000, M=10,000,000)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from _stack import components, percentile, report
from asgi_lifespan import LifespanManager

from flotilla_contracts import labels
from flotilla_contracts.enums import Role
from flotilla_devstack.databases import create_database
from flotilla_devstack.kafka import produce
from flotilla_devstack.procs import free_port
from flotilla_runtime.auth import mint_token
from flotilla_runtime.db import asyncpg_dsn
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings, KafkaSettings
from kubesim.logship import filebeat_event
from monitor_gateway.logs.filebeat import COLUMNS, LogRow, parse
from monitor_gateway.logs.pool import LogsPool
from monitor_gateway.logs.store import Partitions
from monitor_gateway.main import MIGRATIONS, create_app
from monitor_gateway.settings import Settings
from monitor_gateway.workers.log_ingest import LogIngest

BATCH = 20_000
APPS = [f"app{i:02d}" for i in range(20)]


def templates() -> list[dict[str, Any]]:
    out = []
    for app in APPS:
        for p in range(10):
            pod = {
                "metadata": {
                    "name": f"{app}-7d9f-{p:05d}",
                    "namespace": "bench",
                    "uid": f"{app}-{p}",
                    "labels": {
                        labels.APP: app,
                        labels.ENV: "prod",
                        labels.CLUSTER: f"idc-{'ab'[p % 2]}",
                        labels.IDC: f"idc-{'ab'[p % 2]}",
                        labels.STAGE: "stable",
                    },
                },
                "spec": {"containers": [{"name": app}], "nodeName": "n1"},
                "status": {"podIP": "127.10.0.2"},
            }
            out.append(filebeat_event("idc-a", pod, ""))
    return out


def lines(n: int) -> list[bytes]:
    rng = random.Random(7)
    base = templates()
    out = []
    for i in range(n):
        event = dict(base[i % len(base)])
        if i % 3 == 0:
            event["message"] = json.dumps(
                {"level": rng.choice(["info", "warn", "error"]), "msg": f"order {i} handled"}
            )
        else:
            level = rng.choice(["INFO", "DEBUG", "WARN", "ERROR"])
            event["message"] = f"{level} request {i} served in {rng.randint(1, 900)} ms by worker"
        out.append(json.dumps(event, separators=(",", ":")).encode())
    return out


async def ingest_rate(settings: Settings, url: str, n: int) -> float:
    pool = LogsPool(url)
    ingest = LogIngest(
        pool,
        settings,
        Partitions(7),
        topic=settings.logs_topic,
        group_id=settings.logs_group,
        max_batch=BATCH,
    )
    pool_task = asyncio.create_task(pool.run())
    started = time.perf_counter()
    task = asyncio.create_task(ingest.run())
    try:
        while ingest.stored < n:
            if time.perf_counter() - started > 900:
                raise RuntimeError(f"only {ingest.stored} of {n} lines stored")
            await asyncio.sleep(0.02)
        return n / (time.perf_counter() - started)
    finally:
        task.cancel()
        pool_task.cancel()
        await asyncio.gather(task, pool_task, return_exceptions=True)


async def processes_rate(settings: Settings, url: str, n: int, count: int) -> tuple[float, float]:
    """`count` processes of `flotilla-monitor-gateway ingest` (replicas in one consumer group)
    drain the topic: (lines/s from the first line stored to the last, seconds to the first)."""
    prefix = "MONITOR_GATEWAY_"
    env = {
        **os.environ,
        f"{prefix}DATABASE_URL": url,
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        f"{prefix}LOGS_TOPIC": settings.logs_topic,
        f"{prefix}LOGS_GROUP": settings.logs_group,
        f"{prefix}LOGS_BATCH_MAX": str(settings.logs_batch_max),
        f"{prefix}LOG_LEVEL": "warning",
    }
    conn = await asyncpg.connect(asyncpg_dsn(url))
    started = time.perf_counter()
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "monitor_gateway.main",
            "ingest",
            env={**env, f"{prefix}PORT": str(free_port())},
            stdout=asyncio.subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    query = "SELECT coalesce(sum(next_offset), 0) FROM log_offsets WHERE topic = $1"
    try:
        first_at = 0.0
        first_stored = 0
        while (stored := int(await conn.fetchval(query, settings.logs_topic))) < n:
            if stored and not first_at:
                first_at, first_stored = time.perf_counter(), stored
            if time.perf_counter() - started > 900 or any(p.returncode is not None for p in procs):
                raise RuntimeError(f"only {stored} of {n} lines stored")
            await asyncio.sleep(0.02)
        return (n - first_stored) / (time.perf_counter() - first_at), first_at - started
    finally:
        for proc in procs:
            proc.terminate()
        await asyncio.gather(*(proc.wait() for proc in procs))
        await conn.close()


async def copy_rates(url: str, rows: list[LogRow], runs: int = 3) -> list[float]:
    """Raw COPY of the parsed rows, `runs` times into an emptied table (it varies by ±15 %
    from run to run on 2 shared cores; the median is the floor)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await Partitions(7).ensure(conn, {r.ts.date() for r in rows})
        rates = []
        for _ in range(runs):
            await conn.execute("TRUNCATE logs")
            started = time.perf_counter()
            for i in range(0, len(rows), BATCH):
                async with conn.transaction():
                    await conn.copy_records_to_table(
                        "logs", records=rows[i : i + BATCH], columns=COLUMNS
                    )
            rates.append(len(rows) / (time.perf_counter() - started))
        return rates
    finally:
        await conn.close()


async def fill(url: str, target: int) -> int:
    """Raw COPY of generated rows over the last 24 hours until `target` rows are stored."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    rng = random.Random(11)
    now = datetime.now(UTC)
    try:
        await Partitions(7).ensure(conn, {(now - timedelta(days=d)).date() for d in (0, 1)})
        have = int(await conn.fetchval("SELECT count(*) FROM logs"))
        offset = 10_000_000
        while have < target:
            chunk = min(100_000, target - have)
            rows = [
                LogRow(
                    ts=now - timedelta(seconds=rng.uniform(0, 86_400)),
                    app=rng.choice(APPS),
                    env="prod",
                    cluster="idc-a",
                    idc="idc-a",
                    stage="stable",
                    namespace="bench",
                    pod=f"pod-{rng.randint(0, 9)}",
                    container="c",
                    level=rng.choice(["info", "info", "info", "warn", "error", "debug"]),
                    message=f"request {offset + i} served in {rng.randint(1, 900)} ms by worker",
                    kpart=99,
                    koffset=offset + i,
                )
                for i in range(chunk)
            ]
            await conn.copy_records_to_table("logs", records=rows, columns=COLUMNS)
            offset += chunk
            have += chunk
        await conn.execute("ANALYZE logs")
        return have
    finally:
        await conn.close()


async def query_latencies(settings: Settings, queries: int) -> list[float]:
    token = mint_token(AuthSettings(), subject="bench", roles=[Role.VIEWER])
    rng = random.Random(5)
    now = datetime.now(UTC)
    out = []
    app = create_app(settings.model_copy(update={"logs_ingest": False}))
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app),
            base_url="http://monitor",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ) as http:
            for i in range(queries):
                until = now - timedelta(hours=rng.uniform(0, 22))
                params: dict[str, Any] = {
                    "since": (until - timedelta(hours=1)).isoformat(),
                    "until": until.isoformat(),
                    "limit": 100,
                }
                if i % 3 == 1:
                    params["level"] = "error"
                elif i % 3 == 2:
                    params["contains"] = "in 42 ms"
                started = time.perf_counter()
                r = await http.get(f"/v1/apps/{rng.choice(APPS)}/logs", params=params)
                out.append((time.perf_counter() - started) * 1000)
                r.raise_for_status()
    return out


async def run(quick: bool) -> dict[str, Any]:
    n, target, queries = (100_000, 1_000_000, 60) if quick else (1_000_000, 10_000_000, 150)
    with components() as parts:
        suffix = uuid.uuid4().hex[:6]
        url = await create_database(parts.postgres_url, f"bench_logs_{suffix}")
        floor_url = await create_database(parts.postgres_url, f"bench_floor_{suffix}")
        for database in (url, floor_url):
            await upgrade_async(database, MIGRATIONS)
        topic = f"bench-logs-{suffix}"
        await ensure_topics(
            KafkaSettings(kafka_bootstrap_servers=parts.kafka_bootstrap), [topic], partitions=6
        )
        values = lines(n)
        started = time.perf_counter()
        await produce(
            parts.kafka_bootstrap, topic, values, linger_ms=20, max_batch_size=1 << 20, acks=1
        )
        produce_s = time.perf_counter() - started
        settings = Settings(
            database_url=url,
            kafka_bootstrap_servers=parts.kafka_bootstrap,
            logs_topic=topic,
            logs_group=f"bench-{suffix}",
            logs_batch_max=BATCH,
        )
        rate = await ingest_rate(settings, url, n)
        replicas_url = await create_database(parts.postgres_url, f"bench_replicas_{suffix}")
        await upgrade_async(replicas_url, MIGRATIONS)
        replicas = Settings(
            **{**settings.model_dump(), "logs_group": f"bench-replicas-{suffix}"},
        )
        replicas_rate, replicas_start_s = await processes_rate(replicas, replicas_url, n, 2)
        rows = [parse(v, 0, i) for i, v in enumerate(values)]
        floors = await copy_rates(floor_url, rows)
        floor = statistics.median(floors)
        stored = await fill(url, target)
        latencies = await query_latencies(settings, queries)
    return {
        "lines": n,
        "produce_s": round(produce_s, 1),
        "lines_per_s": round(rate),
        "copy_lines_per_s": round(floor),
        "copy_runs": [round(f) for f in floors],
        "ratio": round(rate / floor, 3),
        "replicas": 2,
        "replicas_lines_per_s": round(replicas_rate),
        "replicas_ratio": round(replicas_rate / floor, 3),
        "replicas_first_line_s": round(replicas_start_s, 1),
        "rows": stored,
        "queries": queries,
        "query_p50_ms": round(percentile(latencies, 50), 1),
        "query_p99_ms": round(percentile(latencies, 99), 1),
    }


def main(quick: bool) -> None:
    result = asyncio.run(run(quick))
    report({"benchmark": "log_ingest", "quick": quick, **result})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
