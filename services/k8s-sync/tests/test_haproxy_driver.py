"""The HAProxy runtime driver against a real HAProxy 2.6 with real upstream listeners."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.procs import free_port
from k8s_sync.ingress.haproxy import HAProxyCommandError, HAProxyRuntime

pytestmark = pytest.mark.integration
BACKEND = "shop.prod"


@pytest.fixture
def haproxy(tmp_path: Path) -> Iterator[HAProxyProcess]:
    process = HAProxyProcess(tmp_path / "haproxy", backends=(BACKEND, "other"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def runtime(haproxy: HAProxyProcess) -> AsyncIterator[HAProxyRuntime]:
    driver = HAProxyRuntime(str(haproxy.socket))
    yield driver
    await driver.close()


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, name: str) -> None:
    try:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            body = name.encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def upstreams() -> AsyncIterator[dict[str, int]]:
    """Three HTTP servers that answer with their own name."""
    servers, ports = [], {}
    for name in ("pod-a", "pod-b", "pod-c"):
        port = free_port()
        servers.append(
            await asyncio.start_server(functools.partial(_answer, name=name), "127.0.0.1", port)
        )
        ports[name] = port
    yield ports
    for server in servers:
        server.close()
        await server.wait_closed()


async def through(haproxy: HAProxyProcess, n: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(n):
            r = await http.get(
                f"http://127.0.0.1:{haproxy.port}/", headers={"x-flotilla-app": BACKEND}
            )
            seen[r.text if r.status_code == 200 else str(r.status_code)] += 1
    return seen


async def test_add_serve_drain_and_delete(
    haproxy: HAProxyProcess, runtime: HAProxyRuntime, upstreams: dict[str, int]
) -> None:
    commands = []
    for i, (name, port) in enumerate(upstreams.items(), start=1):
        commands += runtime.add_commands(BACKEND, name, "127.0.0.1", port, server_id=i)
    await runtime.run(commands)
    state = {s.name: s for s in await runtime.servers(BACKEND)}
    assert set(state) == set(upstreams)
    assert all(s.state == "ready" for s in state.values())
    assert state["pod-b"].port == upstreams["pod-b"]
    assert set(await through(haproxy, 30)) == set(upstreams)

    await runtime.run([runtime.state_command(BACKEND, "pod-a", "drain")])
    assert {s.name: s.state for s in await runtime.servers(BACKEND)}["pod-a"] == "drain"
    assert "pod-a" not in await through(haproxy, 20)

    assert await runtime.delete(BACKEND, "pod-a") is True
    assert await runtime.delete(BACKEND, "pod-a") is False  # gone already: still fine
    assert {s.name for s in await runtime.servers(BACKEND)} == {"pod-b", "pod-c"}
    assert (await runtime.connections(BACKEND)).keys() >= {"pod-b", "pod-c"}


async def test_refusals_are_errors_with_haproxys_words(runtime: HAProxyRuntime) -> None:
    with pytest.raises(HAProxyCommandError, match="No such backend|Can't find backend|No such"):
        await runtime.run(runtime.add_commands("nowhere", "x", "127.0.0.1", 1, server_id=1))
    with pytest.raises(ValueError, match="invalid HAProxy name"):
        runtime.add_commands(BACKEND, "bad/name", "127.0.0.1", 1, server_id=1)
    with pytest.raises(ValueError, match="one command per entry"):
        await runtime.execute(["show info; show stat"])


async def test_pipelined_batch_of_200_servers(runtime: HAProxyRuntime) -> None:
    commands = []
    for i in range(200):
        commands += runtime.add_commands(
            "other",
            f"s{i}",
            f"127.0.{i // 250}.{i % 250 + 1}",
            8080,
            server_id=i + 1,
            state="maint",
        )
    replies = await runtime.execute(commands)
    assert replies.count("New server registered.") == 200
    assert len(await runtime.servers("other")) == 200


async def test_restart_is_detectable_and_loses_dynamic_servers(
    haproxy: HAProxyProcess, runtime: HAProxyRuntime, upstreams: dict[str, int]
) -> None:
    await runtime.run(
        runtime.add_commands(BACKEND, "pod-a", "127.0.0.1", upstreams["pod-a"], server_id=1)
    )
    before = await runtime.info()
    await asyncio.to_thread(haproxy.restart)
    after = await runtime.info()  # the driver reconnects by itself
    assert after["Pid"] != before["Pid"]
    assert await runtime.servers(BACKEND) == []
