"""Real pod listeners: each running pod answers HTTP on its own IP and container ports.

A pod starts listening when its container starts and stops at SIGTERM (after its preStop), as
an application would, so traffic sent through an ingress really reaches pods and a drain can be
observed. The answer is JSON: pod, namespace, cluster, version, image. 127.0.0.0/8 is all
loopback on Linux, so every pod IP can be bound without configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
from typing import Protocol

from kubesim.knobs import Knobs
from kubesim.store import Obj

log = logging.getLogger("kubesim")
VERSION_LABEL = "app.kubernetes.io/version"


class PodHost(Protocol):
    """What the listeners need of a cluster: a simulated one, or a real one's companion
    (flotilla_devstack.realk8s.podnet)."""

    name: str
    knobs: Knobs

    def pod_ip(self, pod: Obj) -> str: ...


class PodListeners:
    def __init__(self, cluster: PodHost) -> None:
        self.cluster = cluster
        self._servers: dict[str, list[asyncio.Server]] = {}  # pod uid → servers
        self._connections: dict[str, set[asyncio.StreamWriter]] = {}  # pod uid → open ones
        self.requests = 0

    def hook(self, what: str, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        if what == "started" and uid not in self._servers:
            self._servers[uid] = []
            asyncio.get_running_loop().create_task(self._open(pod))
        elif what in ("sigterm", "gone"):
            # The application exits: no new connections, and the open ones are closed too.
            for server in self._servers.pop(uid, []):
                server.close()
            for writer in self._connections.pop(uid, set()):
                writer.close()

    async def _open(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        ip = self.cluster.pod_ip(pod)
        version = (pod["metadata"].get("labels") or {}).get(VERSION_LABEL, "")
        image = ((pod.get("spec") or {}).get("containers") or [{}])[0].get("image", "")
        body = json.dumps(
            {
                "pod": pod["metadata"]["name"],
                "namespace": pod["metadata"]["namespace"],
                "cluster": self.cluster.name,
                "version": version,
                "image": image,
            }
        ).encode()
        ports = {
            p["containerPort"]
            for c in (pod.get("spec") or {}).get("containers") or []
            for p in c.get("ports") or []
            if p.get("containerPort")
        }
        for port in sorted(ports):
            try:
                server = await asyncio.start_server(
                    functools.partial(
                        self._serve, body=body, uid=uid, image=image, version=version
                    ),
                    ip,
                    port,
                    reuse_address=True,
                )
            except OSError as exc:
                log.warning(
                    "pod %s cannot listen on %s:%s: %s", pod["metadata"]["name"], ip, port, exc
                )
                continue
            if uid in self._servers:
                self._servers[uid].append(server)
            else:  # the pod ended while we were opening
                server.close()

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        body: bytes,
        uid: str,
        image: str,
        version: str,
    ) -> None:
        if uid not in self._servers:
            writer.close()
            return
        self._connections.setdefault(uid, set()).add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    break
                length = 0
                keep_alive = True
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip() or 0)
                    if name.strip().lower() == b"connection" and value.strip().lower() == b"close":
                        keep_alive = False
                if length:
                    await reader.readexactly(length)
                self.requests += 1
                status = b"200 OK"
                fault = self.cluster.knobs.http_fault(image, version)
                if fault is not None:
                    if fault.latency_s:
                        await asyncio.sleep(fault.latency_s)
                    if fault.error_ratio and random.random() < fault.error_ratio:
                        status = b"500 Internal Server Error"
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                    b"Content-Length: "
                    + str(len(body)).encode()
                    + b"\r\n"
                    + (b"" if keep_alive else b"Connection: close\r\n")
                    + b"\r\n"
                    + body
                )
                await writer.drain()
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self._connections.get(uid, set()).discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def close(self) -> None:
        for servers in self._servers.values():
            for server in servers:
                server.close()
        self._servers.clear()
