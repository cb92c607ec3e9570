"""Pods' log lines to a Kafka topic in Filebeat's Kafka output format (codec.json).

One compact JSON object per line, as docs/reference/observability-formats.md describes:
`@timestamp`, `@metadata`, `message`, `stream`, `log`, `input`, `container`, `kubernetes.*`
(labels dedotted: `.` → `_`), `orchestrator.cluster.name`. Keys are null, as Filebeat's default.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from kubesim.store import Obj

if TYPE_CHECKING:
    from kubesim.protocols import SimCluster

log = logging.getLogger("kubesim")


def filebeat_event(
    cluster: str, pod: Obj, message: str, *, stream: str = "stdout", offset: int = 0
) -> dict[str, Any]:
    meta = pod["metadata"]
    container = ((pod.get("spec") or {}).get("containers") or [{}])[0]
    labels = {k.replace(".", "_"): v for k, v in (meta.get("labels") or {}).items()}
    owner = next(
        (r for r in meta.get("ownerReferences") or [] if r.get("kind") == "ReplicaSet"), None
    )
    now = datetime.now(UTC)
    kubernetes: dict[str, Any] = {
        "namespace": meta["namespace"],
        "pod": {
            "name": meta["name"],
            "uid": meta["uid"],
            "ip": (pod.get("status") or {}).get("podIP", ""),
        },
        "node": {"name": (pod.get("spec") or {}).get("nodeName", "")},
        "container": {"name": container.get("name", "")},
        "labels": labels,
    }
    if owner:
        kubernetes["replicaset"] = {"name": owner["name"]}
    container_id = f"{abs(hash((meta['uid'], container.get('name')))):016x}"[:16]
    return {
        "@timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "@metadata": {"beat": "filebeat", "type": "_doc", "version": "8.14.3"},
        "message": message,
        "stream": stream,
        "log": {
            "offset": offset,
            "file": {
                "path": f"/var/log/containers/{meta['name']}_"
                f"{meta['namespace']}_{container.get('name')}-"
                f"{container_id}.log"
            },
        },
        "input": {"type": "filestream"},
        "container": {
            "id": container_id,
            "runtime": "containerd",
            "image": {"name": container.get("image", "")},
        },
        "kubernetes": kubernetes,
        "orchestrator": {"cluster": {"name": cluster}},
        "agent": {"type": "filebeat", "version": "8.14.3"},
        "ecs": {"version": "8.0.0"},
    }


class LogShipper:
    """Sends queued log lines in batches; a broker outage delays lines, never drops them."""

    def __init__(self, cluster: SimCluster, *, bootstrap: str, topic: str) -> None:
        self.cluster = cluster
        self.bootstrap = bootstrap
        self.topic = topic
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=100_000)
        self.sent = 0
        self._offsets: dict[str, int] = {}

    def ship(self, pod: Obj, message: str, stream: str = "stdout") -> None:
        uid = pod["metadata"]["uid"]
        offset = self._offsets.get(uid, 0)
        self._offsets[uid] = offset + len(message) + 1
        event = filebeat_event(self.cluster.name, pod, message, stream=stream, offset=offset)
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(json.dumps(event, separators=(",", ":")).encode())

    async def run(self) -> None:
        producer: AIOKafkaProducer | None = None
        try:
            while True:
                first = await self.queue.get()
                batch = [first]
                while not self.queue.empty() and len(batch) < 1000:
                    batch.append(self.queue.get_nowait())
                while True:
                    try:
                        if producer is None:
                            producer = AIOKafkaProducer(
                                bootstrap_servers=self.bootstrap, linger_ms=5
                            )
                            await producer.start()
                        for value in batch:
                            await producer.send(self.topic, value)
                        await producer.flush()
                        self.sent += len(batch)
                        break
                    except (KafkaError, OSError) as exc:
                        log.warning("log shipping to %s failed, retrying: %r", self.topic, exc)
                        if producer is not None:
                            with contextlib.suppress(Exception):
                                await producer.stop()
                            producer = None
                        await asyncio.sleep(1.0)
        finally:
            if producer is not None:
                await producer.stop()
