"""Kafka clients built from settings: the producer, topic creation and a reachability probe."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import Protocol

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from flotilla_runtime.settings import KafkaSettings


class _Startable(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def start_or_stop(client: _Startable) -> None:
    """`client.start()`, or `stop()` if it fails or is cancelled; never leaves half a client.

    aiokafka leaks its bootstrap connection (a reader task and a socket) when `start()` is
    cancelled midway, as a fast shutdown does. So a cancellation lets the start finish (it is
    bounded by the request timeout), stops the client, and then propagates.
    """
    starting = asyncio.ensure_future(client.start())
    try:
        await asyncio.shield(starting)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await starting
        await client.stop()
        raise
    except BaseException:
        await client.stop()
        raise


def create_producer(settings: KafkaSettings, *, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer (acks=all) unless the settings turn idempotence off."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=2,
    )


async def ensure_topics(
    settings: KafkaSettings, topics: Iterable[str], *, partitions: int = 3, replication: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(t, num_partitions=partitions, replication_factor=replication)
                        for t in missing
                    ]
                )
            except TopicAlreadyExistsError:
                pass  # a concurrent creator won the race; that is what we wanted
        return missing
    finally:
        await admin.close()


class BrokerProbe:
    """Readiness check for the broker: a TCP connect to a bootstrap server, cached briefly.

    A connect proves the broker accepts clients without creating a Kafka client per probe.
    """

    def __init__(self, settings: KafkaSettings, *, cache_s: float = 2.0, timeout_s: float = 2.0):
        self._servers = [
            s.strip() for s in settings.kafka_bootstrap_servers.split(",") if s.strip()
        ]
        self._cache_s = cache_s
        self._timeout_s = timeout_s
        self._checked_at = 0.0
        self._last_error: str | None = "not checked yet"

    async def __call__(self) -> None:
        now = time.monotonic()
        if now - self._checked_at > self._cache_s:
            self._last_error = await self._check()
            self._checked_at = now
        if self._last_error:
            raise ConnectionError(self._last_error)

    async def _check(self) -> str | None:
        errors = []
        for server in self._servers:
            host, _, port = server.rpartition(":")
            try:
                async with asyncio.timeout(self._timeout_s):
                    _, writer = await asyncio.open_connection(host.strip("[]"), int(port))
                writer.close()
                await writer.wait_closed()
                return None
            except (OSError, TimeoutError, ValueError) as exc:
                errors.append(f"{server}: {exc or type(exc).__name__}")
        return "; ".join(errors) or "no bootstrap servers configured"
