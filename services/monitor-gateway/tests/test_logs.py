"""Logs end to end with the real broker and PostgreSQL: Filebeat lines (kubesim's format, some
malformed) → stored, queryable by every filter, tailed live, exactly once across a crash."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete
from asgi_lifespan import LifespanManager
from prometheus_client import REGISTRY

from flotilla_contracts.enums import Role
from flotilla_devstack.kafka import produce
from flotilla_devstack.procs import free_port
from flotilla_devstack.pytest_plugin import fresh_database
from flotilla_runtime.auth import mint_token
from flotilla_runtime.db import asyncpg_dsn
from flotilla_runtime.kafka import ensure_topics
from flotilla_runtime.migrations import upgrade_async
from flotilla_runtime.settings import AuthSettings, KafkaSettings
from kubesim.logship import filebeat_event
from monitor_gateway.logs.pool import LogsPool
from monitor_gateway.logs.store import Partitions
from monitor_gateway.main import MIGRATIONS, create_app
from monitor_gateway.settings import Settings
from monitor_gateway.workers.log_ingest import LogIngest

pytestmark = pytest.mark.integration
VIEWER = {"Authorization": "Bearer " + mint_token(AuthSettings(), subject="v", roles=[Role.VIEWER])}


def pod(name: str, app: str = "shop", env: str = "prod", cluster: str = "idc-a") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": f"uid-{name}",
            "labels": {
                "flotilla.io/app": app,
                "flotilla.io/env": env,
                "flotilla.io/cluster": cluster,
                "flotilla.io/idc": "idc-a",
                "flotilla.io/stage": "stable",
            },
        },
        "spec": {"containers": [{"name": "web"}], "nodeName": "n1"},
        "status": {"podIP": "127.10.0.2"},
    }


def line(p: dict[str, Any], message: str, *, at: datetime | None = None) -> bytes:
    event = filebeat_event("idc-a", p, message)
    if at is not None:
        event["@timestamp"] = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    return json.dumps(event, separators=(",", ":")).encode()


@pytest.fixture
async def setup(postgres_url: str, kafka_bootstrap: str) -> tuple[Settings, str]:
    url = await fresh_database(postgres_url, f"logs_{uuid.uuid4().hex[:8]}")
    await upgrade_async(url, MIGRATIONS)
    topic = f"logs-test-{uuid.uuid4().hex[:8]}"
    await ensure_topics(KafkaSettings(kafka_bootstrap_servers=kafka_bootstrap), [topic])
    settings = Settings(
        database_url=url,
        kafka_bootstrap_servers=kafka_bootstrap,
        logs_topic=topic,
        logs_group=f"g-{topic}",
        logs_batch_max=500,
        port=free_port(),
    )
    return settings, url


async def count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def until(check: Any, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_lines_are_stored_queryable_and_tailed(setup: tuple[Settings, str]) -> None:
    settings, url = setup
    now = datetime.now(UTC).replace(microsecond=0)
    web1, web2 = pod("web-1"), pod("web-2", cluster="idc-b")
    other = pod("api-1", app="search")
    values = [
        line(web1, "INFO started in 1.2s", at=now - timedelta(minutes=50)),
        line(
            web1,
            '{"level":"error","msg":"payment gateway timeout"}',
            at=now - timedelta(minutes=40),
        ),
        line(web2, "WARN slow response from the Database", at=now - timedelta(minutes=30)),
        line(web2, "plain line with no level", at=now - timedelta(minutes=20)),
        line(other, "ERROR not ours", at=now - timedelta(minutes=10)),
        line(web1, "old line", at=now - timedelta(days=2)),
        b"not json at all",
        b'{"message": "no timestamp"}',
        b"",
    ]
    await produce(settings.kafka_bootstrap_servers, settings.logs_topic, values)
    app = create_app(settings)
    config = uvicorn.Config(app, port=settings.port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{settings.port}"
    try:
        await until(_rows_at_least(url, 6))
        assert await count(url, "SELECT count(*) FROM log_dead_letters") == 3
        async with httpx.AsyncClient(base_url=base, headers=VIEWER, timeout=10) as http:

            async def search(**params: Any) -> list[dict[str, Any]]:
                r = await http.get("/v1/apps/shop/logs", params=params)
                assert r.status_code == 200, r.text
                return list(r.json()["items"])

            hour = {
                "since": (now - timedelta(hours=1)).isoformat(),
                "until": (now + timedelta(seconds=1)).isoformat(),
            }
            all_shop = await search(**hour)
            assert [i["message"][:12] for i in all_shop] == [
                "plain line w",
                "WARN slow re",
                '{"level":"er',
                "INFO started",
            ]  # newest first, the other app's line and the 2-day-old line are not in the hour
            assert [i["level"] for i in all_shop] == ["info", "warn", "error", "info"]
            assert {i["cluster"] for i in await search(cluster="idc-b", **hour)} == {"idc-b"}
            assert [i["pod"] for i in await search(pod="web-1", **hour)] == ["web-1", "web-1"]
            assert len(await search(level="error,warn", **hour)) == 2
            assert len(await search(q="gateway timeout", **hour)) == 1
            assert len(await search(contains="DATABASE", **hour)) == 1  # case-insensitive
            assert len(await search(env="test", **hour)) == 0
            page = (await http.get("/v1/apps/shop/logs", params={"limit": 3, **hour})).json()
            rest = await search(limit=3, cursor=page["next_cursor"], **hour)
            assert len(page["items"]) == 3
            assert [i["message"] for i in rest] == ["INFO started in 1.2s"]
            old = await search(since=(now - timedelta(days=3)).isoformat(), until=hour["until"])
            assert len(old) == 5
            bad = await http.get("/v1/apps/shop/logs", params={"level": "loud"})
            assert bad.status_code == 422
            assert (
                await http.get("/v1/apps/shop/logs", headers={"Authorization": ""})
            ).status_code == 401

            # Live tail: a new line reaches the stream within a second.
            async with http.stream(
                "GET", "/v1/apps/shop/logs/tail", params={"level": "error"}
            ) as stream:
                lines = stream.aiter_lines()
                assert await anext(lines) == ": tailing"
                sent = time.monotonic()
                await produce(
                    settings.kafka_bootstrap_servers,
                    settings.logs_topic,
                    [line(other, "ERROR not for this tail"), line(web2, "ERROR tail me")],
                )
                async with asyncio.timeout(5):
                    async for text in lines:
                        if text.startswith("data: "):
                            event = json.loads(text.removeprefix("data: "))
                            break
                delay = time.monotonic() - sent
                await lines.aclose()  # type: ignore[attr-defined]
            assert event["message"] == "ERROR tail me"
            assert event["app"] == "shop"
            assert delay < 1.0, delay
    finally:
        server.should_exit = True
        await serving


def _rows_at_least(url: str, n: int) -> Any:
    async def check() -> bool:
        return await count(url, "SELECT count(*) FROM logs") >= n

    return check


async def test_a_crash_mid_batch_loses_and_duplicates_nothing(setup: tuple[Settings, str]) -> None:
    settings, url = setup
    total = 30_000
    web = pod("web-1")
    await produce(
        settings.kafka_bootstrap_servers,
        settings.logs_topic,
        [line(web, f"INFO line {i}") for i in range(total)],
    )

    def ingest(pool: LogsPool) -> LogIngest:
        return LogIngest(
            pool,
            settings,
            Partitions(7),
            topic=settings.logs_topic,
            group_id=settings.logs_group,
            max_batch=2_000,
        )

    pool = LogsPool(url)
    first = ingest(pool)
    pool_task = asyncio.create_task(pool.run())
    task = asyncio.create_task(first.run())
    await until(lambda: _stored_some(first))
    for _ in range(100_000):  # kill it inside a batch (parsing, COPYing or committing)
        if first.in_batch:
            break
        await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    stored_before = await count(url, "SELECT count(*) FROM logs")
    assert 0 < stored_before < total

    second = ingest(pool)
    task = asyncio.create_task(second.run())
    try:
        await until(_rows_at_least(url, total), timeout_s=60)
        await asyncio.sleep(1.0)  # anything doubled would arrive now
        assert await count(url, "SELECT count(*) FROM logs") == total
        assert await count(url, "SELECT count(DISTINCT (kpart, koffset)) FROM logs") == total
    finally:
        for t in (task, pool_task):
            t.cancel()
        await asyncio.gather(task, pool_task, return_exceptions=True)


async def _stored_some(ingest: LogIngest) -> bool:
    return ingest.stored > 0


@asynccontextmanager
async def _running(*workers: Coroutine[Any, Any, None]) -> AsyncIterator[list[asyncio.Task[None]]]:
    """The workers as tasks (more may be appended), all cancelled and awaited at the end."""
    tasks = [asyncio.create_task(worker) for worker in workers]
    try:
        yield tasks
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _replica(settings: Settings, pool: LogsPool, *, max_batch: int = 500) -> LogIngest:
    return LogIngest(
        pool,
        settings,
        Partitions(7),
        topic=settings.logs_topic,
        group_id=settings.logs_group,
        max_batch=max_batch,
    )


async def _exactly_once(url: str, total: int) -> None:
    await until(_rows_at_least(url, total), timeout_s=60)
    await asyncio.sleep(1.0)  # anything doubled would arrive now
    assert await count(url, "SELECT count(*) FROM logs") == total
    assert await count(url, "SELECT count(DISTINCT (kpart, koffset)) FROM logs") == total


async def test_replicas_share_the_partitions_and_a_leaving_one_hands_over(
    setup: tuple[Settings, str],
) -> None:
    settings, url = setup
    web = pod("web-1")
    first_lines = [line(web, f"INFO first {i}") for i in range(20_000)]
    await produce(settings.kafka_bootstrap_servers, settings.logs_topic, first_lines)
    pool = LogsPool(url)
    a, b = _replica(settings, pool), _replica(settings, pool)
    async with _running(pool.run(), a.run()) as tasks:
        await until(lambda: _stored_some(a))
        tasks.append(asyncio.create_task(b.run()))  # joins the group: a rebalance

        async def shared() -> bool:
            return bool(b.partitions) and len(a.partitions) + len(b.partitions) == 3

        await until(shared, timeout_s=30)
        assert not set(a.partitions) & set(b.partitions)
        more = [line(web, f"INFO second {i}") for i in range(10_000)]
        await produce(settings.kafka_bootstrap_servers, settings.logs_topic, more)
        await _exactly_once(url, 30_000)
        assert a.stored > 20_000, a.stored
        assert b.stored > 0, b.stored

        tasks[1].cancel()  # the first leaves: the second takes every partition
        await asyncio.gather(tasks[1], return_exceptions=True)
        last = [line(web, f"INFO third {i}") for i in range(5_000)]
        await produce(settings.kafka_bootstrap_servers, settings.logs_topic, last)
        await _exactly_once(url, 35_000)


async def test_a_replica_whose_partition_moved_on_does_not_store_it_again(
    setup: tuple[Settings, str],
) -> None:
    """Another writer advanced a partition's stored offset (as a replica that was given the
    partition while this one did not notice would): this one's batch fails its compare-and-set,
    is dropped, and it goes on from the stored offset."""
    settings, url = setup
    web = pod("web-1")
    total, skipped = 30_000, 100
    await produce(
        settings.kafka_bootstrap_servers,
        settings.logs_topic,
        [line(web, f"INFO line {i}") for i in range(total)],
    )
    pool = LogsPool(url)
    replica = _replica(settings, pool, max_batch=200)
    async with _running(pool.run(), replica.run()):
        await until(lambda: _stored_some(replica))
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            moved = await conn.fetchrow(
                "UPDATE log_offsets SET next_offset = next_offset + $1 WHERE partition = "
                "(SELECT min(partition) FROM log_offsets) RETURNING partition, next_offset",
                skipped,
            )
        finally:
            await conn.close()
        await until(_rows_at_least(url, total - skipped), timeout_s=60)
        await asyncio.sleep(1.0)
        assert await count(url, "SELECT count(*) FROM logs") == total - skipped
        assert await count(url, "SELECT count(DISTINCT (kpart, koffset)) FROM logs") == (
            total - skipped
        )
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:  # every partition from offset 0, with one hole: the offsets moved past
            starts = await conn.fetch("SELECT kpart, min(koffset) AS first FROM logs GROUP BY 1")
            holes = await conn.fetch(
                "SELECT kpart, koffset + 1 AS since, next AS until FROM (SELECT kpart, koffset, "
                "lead(koffset) OVER (PARTITION BY kpart ORDER BY koffset) AS next FROM logs) t "
                "WHERE next <> koffset + 1"
            )
        finally:
            await conn.close()
        assert {row["first"] for row in starts} == {0}
        assert [tuple(row) for row in holes] == [
            (moved["partition"], moved["next_offset"] - skipped, moved["next_offset"])
        ]


async def test_lines_gone_from_the_topic_are_skipped_and_counted(
    setup: tuple[Settings, str],
) -> None:
    """The stored offset of a partition is older than the topic's first line (Kafka's
    retention ran while the ingest was down): it goes on from the first line still there."""
    settings, url = setup
    web = pod("web-1")
    await produce(
        settings.kafka_bootstrap_servers,
        settings.logs_topic,
        (line(web, f"INFO line {i}") for i in range(1_000)),
        partition=0,
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        tp = TopicPartition(settings.logs_topic, 0)
        await admin.delete_records({tp: RecordsToDelete(before_offset=300)})
    finally:
        await admin.close()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:  # as if lines 0-99 had been stored before the ingest went down
        await conn.execute(
            "INSERT INTO log_offsets (topic, partition, next_offset) VALUES ($1, 0, 100)",
            settings.logs_topic,
        )
    finally:
        await conn.close()
    expired = REGISTRY.get_sample_value("flotilla_logs_lines_total", {"outcome": "expired"}) or 0
    pool = LogsPool(url)
    async with _running(pool.run(), _replica(settings, pool).run()):
        await until(_rows_at_least(url, 700), timeout_s=30)
        await asyncio.sleep(0.5)
        assert await count(url, "SELECT min(koffset) FROM logs") == 300
        assert await count(url, "SELECT count(*) FROM logs") == 700
        assert await count(url, "SELECT next_offset FROM log_offsets WHERE partition = 0") == 1000
        now = REGISTRY.get_sample_value("flotilla_logs_lines_total", {"outcome": "expired"})
        assert now == expired + 200


async def test_the_ingest_command_is_a_replica_of_its_own(setup: tuple[Settings, str]) -> None:
    """`flotilla-monitor-gateway ingest` as a real process: consumes, reports in /metrics,
    stops cleanly on SIGTERM."""
    settings, url = setup
    web = pod("web-1")
    await produce(
        settings.kafka_bootstrap_servers,
        settings.logs_topic,
        [line(web, f"INFO line {i}") for i in range(2_000)],
    )
    prefix = "MONITOR_GATEWAY_"
    env = {
        **os.environ,
        f"{prefix}DATABASE_URL": url,
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        f"{prefix}LOGS_TOPIC": settings.logs_topic,
        f"{prefix}LOGS_GROUP": settings.logs_group,
        f"{prefix}PORT": str(settings.port),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "monitor_gateway.main", "ingest", env=env
    )
    try:
        await until(_rows_at_least(url, 2_000), timeout_s=60)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.port}") as http:
            assert (await http.get("/readyz")).status_code == 200
            metrics = (await http.get("/metrics")).text
            assert 'flotilla_logs_lines_total{outcome="stored"} 2000.0' in metrics
            assert (await http.get("/v1/apps/shop/logs", headers=VIEWER)).status_code == 404
    finally:
        if proc.returncode is None:
            proc.terminate()
    # uvicorn shuts down gracefully, then re-raises the signal it caught
    assert await asyncio.wait_for(proc.wait(), timeout=30) in (0, -signal.SIGTERM)
    assert await count(url, "SELECT count(*) FROM logs") == 2_000


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4"])
async def test_compressed_batches_are_read(setup: tuple[Settings, str], codec: str) -> None:
    """Filebeat compresses its batches (gzip by default): the raw fetches decompress them."""
    settings, url = setup
    web = pod("web-1")
    await produce(
        settings.kafka_bootstrap_servers,
        settings.logs_topic,
        (line(web, f"ERROR line {i}") for i in range(3_000)),
        compression_type=codec,
        linger_ms=20,
    )
    pool = LogsPool(url)
    async with _running(pool.run(), _replica(settings, pool).run()):
        await _exactly_once(url, 3_000)
        assert await count(url, "SELECT count(*) FROM logs WHERE level = 'error'") == 3_000


async def test_a_search_is_bounded_in_range_and_time(setup: tuple[Settings, str]) -> None:
    """A range over LOGS_SEARCH_MAX_SPAN_H is refused (400); a search PostgreSQL cannot finish
    within LOGS_SEARCH_TIMEOUT_S (here: the table locked by another session) is cancelled and
    answered 422, and the pool's connection is usable again."""
    settings, url = setup
    settings = settings.model_copy(
        update={"logs_search_timeout_s": 0.5, "logs_search_max_span_h": 2, "logs_ingest": False}
    )
    app = create_app(settings)
    now = datetime.now(UTC)
    async with LifespanManager(app) as manager:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://m", headers=VIEWER
        ) as http:
            wide = await http.get(
                "/v1/apps/shop/logs",
                params={"since": (now - timedelta(hours=3)).isoformat(), "until": now.isoformat()},
            )
            assert wide.status_code == 400, wide.text
            assert "2 h" in wide.json()["detail"]
            locker = await asyncpg.connect(asyncpg_dsn(url))
            try:
                async with locker.transaction():
                    await locker.execute("LOCK TABLE logs IN ACCESS EXCLUSIVE MODE")
                    started = time.monotonic()
                    slow = await http.get("/v1/apps/shop/logs")
                    assert slow.status_code == 422, slow.text
                    assert "narrow the time range" in slow.json()["detail"]
                    assert time.monotonic() - started < 5
            finally:
                await locker.close()
            assert (await http.get("/v1/apps/shop/logs")).status_code == 200
