"""The HAProxy runtime driver and reloads against a real HAProxy 2.6 in master-worker mode, with
real upstream listeners."""

from __future__ import annotations

import asyncio
import functools
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from flotilla_devstack.haproxy import HAProxyProcess
from flotilla_devstack.procs import free_port
from flotilla_devstack.socketcut import SocketCutter
from k8s_sync.ingress.haproxy import HAProxyCommandError, HAProxyError, HAProxyRuntime
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.ingress.master import MasterCLI, parse_show_proc
from k8s_sync.settings import IngressInstanceSettings

from .ingress_helpers import StaticDesired, instance_for

pytestmark = pytest.mark.integration
BACKEND = "shop.prod"


@pytest.fixture
def haproxy(tmp_path: Path) -> Iterator[HAProxyProcess]:
    process = HAProxyProcess(tmp_path / "haproxy")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def instance(haproxy: HAProxyProcess) -> AsyncIterator[IngressInstance]:
    """An instance whose configuration has `shop.prod` (8 slots) and `other.prod`."""
    desired = StaticDesired()
    desired.set_apps(BACKEND, "other.prod")
    ingress = instance_for(haproxy)
    ingress.desired = desired
    await ingress._check(time.monotonic())
    assert await ingress.reload(*_layout(ingress))
    yield ingress
    await ingress.runtime.close()


def _layout(ingress: IngressInstance) -> tuple:  # type: ignore[type-arg]
    layout, _, reason = ingress.wanted_layout()
    return layout, reason


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


UPSTREAMS = {"pod-a": "127.0.0.2", "pod-b": "127.0.0.3", "pod-c": "127.0.0.4"}


@pytest.fixture
async def upstreams() -> AsyncIterator[dict[str, int]]:
    """Three HTTP servers that answer with their own name, each on an address of its own (not
    the slots' placeholder 127.0.0.1, so that a reload that lost addresses would show)."""
    servers, ports = [], {}
    for name, address in UPSTREAMS.items():
        port = free_port(address)
        servers.append(
            await asyncio.start_server(functools.partial(_answer, name=name), address, port)
        )
        ports[name] = port
    yield ports
    for server in servers:
        server.close()
        await server.wait_closed()


async def through(haproxy: HAProxyProcess, n: int, **headers: str) -> Counter[str]:
    seen: Counter[str] = Counter()
    headers = headers or {"x-flotilla-app": BACKEND}
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(n):
            r = await http.get(f"http://127.0.0.1:{haproxy.port}/", headers=headers)
            seen[r.text if r.status_code == 200 else str(r.status_code)] += 1
    return seen


async def fill(runtime: HAProxyRuntime, upstreams: dict[str, int]) -> None:
    commands = []
    for i, (name, port) in enumerate(upstreams.items(), start=1):
        commands += runtime.fill_commands(BACKEND, f"s{i}", UPSTREAMS[name], port, 100)
    await runtime.run(commands)


async def test_fill_serve_drain_and_free_slots(
    haproxy: HAProxyProcess, instance: IngressInstance, upstreams: dict[str, int]
) -> None:
    runtime = instance.runtime
    assert len(await runtime.servers(BACKEND)) == 8
    assert await through(haproxy, 3) == Counter({"503": 3})  # a backend with no pod yet
    await fill(runtime, upstreams)
    state = {s.name: s for s in await runtime.servers(BACKEND)}
    assert [state[f"s{i}"].state for i in (1, 2, 3, 4)] == ["ready", "ready", "ready", "maint"]
    assert state["s2"].port == upstreams["pod-b"]
    assert set(await through(haproxy, 30)) == set(upstreams)

    await runtime.run([runtime.state_command(BACKEND, "s1", "drain")])
    assert {s.name: s.state for s in await runtime.servers(BACKEND)}["s1"] == "drain"
    assert "pod-a" not in await through(haproxy, 20)
    await runtime.run([runtime.state_command(BACKEND, "s1", "maint")])
    assert {s.name: s.state for s in await runtime.servers(BACKEND)}["s1"] == "maint"
    assert (await runtime.connections(BACKEND)).keys() >= {"s2", "s3"}


async def test_refusals_are_errors_with_haproxys_words(instance: IngressInstance) -> None:
    runtime = instance.runtime
    with pytest.raises(HAProxyCommandError, match="No such backend|Can't find backend|No such"):
        await runtime.run(runtime.fill_commands("nowhere.prod", "s1", "127.0.0.1", 1, 100))
    with pytest.raises(HAProxyCommandError, match="No such server|such server"):
        await runtime.run(runtime.fill_commands(BACKEND, "s99", "127.0.0.1", 1, 100))
    with pytest.raises(ValueError, match="invalid HAProxy name"):
        runtime.fill_commands(BACKEND, "bad/name", "127.0.0.1", 1, 100)
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        runtime.fill_commands(BACKEND, "s1", "pod.example.com", 1, 100)
    for smuggled in ("show info; show stat", "show servers state a <<", "show info\r", "show é"):
        with pytest.raises(ValueError, match="not one plain runtime-API command"):
            await runtime.execute([smuggled])
    for backend in ("a b", "shop.prod <<", ""):
        with pytest.raises(ValueError, match="invalid HAProxy name"):
            await runtime.servers(backend)
    with pytest.raises(ValueError, match="refusing map entry"):
        runtime.map_commands("/m", {}, {"a b": "shop.prod"})


async def test_pipelined_batch_of_200_slots(instance: IngressInstance) -> None:
    desired = instance.desired
    assert isinstance(desired, StaticDesired)
    instance.tuning.slots_min = 1000
    desired.set_apps(BACKEND, "other.prod", "big.prod")
    assert await instance.reload(*_layout(instance))
    commands = []
    for i in range(200):
        commands += instance.runtime.fill_commands(
            "big.prod", f"s{i + 1}", f"127.0.{i // 250}.{i % 250 + 1}", 8080, 100
        )
    replies = await instance.runtime.execute(commands)
    assert len(replies) == 600
    await instance.runtime.run([])  # nothing to send is fine
    assert sum(1 for s in await instance.runtime.servers("big.prod") if s.state == "ready") == 200
    # One reply of more than the stream's default 64 KB limit (1,016 slots, ~80 KB).
    state = await instance.runtime.all_servers_state()
    assert len(state) > 65_536
    assert len(state.splitlines()) == 2 + 8 + 8 + 1000


async def test_a_reload_keeps_every_slot_and_its_state(
    haproxy: HAProxyProcess, instance: IngressInstance, upstreams: dict[str, int]
) -> None:
    runtime = instance.runtime
    await fill(runtime, upstreams)
    await runtime.run(
        [runtime.state_command(BACKEND, "s3", "drain"), runtime.weight_command(BACKEND, "s2", 7)]
    )
    before = await runtime.servers(BACKEND)
    pid = (await runtime.info())["Pid"]
    desired = instance.desired
    assert isinstance(desired, StaticDesired)
    desired.set_apps(BACKEND, "other.prod", "new.prod")
    generation = instance.running.number if instance.running else 0
    assert await instance.reload(*_layout(instance))
    assert instance.running is not None
    assert instance.running.number == generation + 1
    assert (await runtime.info())["Pid"] != pid  # a new worker, reached through a new connection
    assert await runtime.servers(BACKEND) == before  # addresses, weights and drain carried over
    assert len(await runtime.servers("new.prod")) == 8
    assert set(await through(haproxy, 20)) == {"pod-a", "pod-b"}
    assert not instance.paths.state_file.exists()  # a later cold start begins empty
    procs = parse_show_proc(await instance.master.command("show proc"))
    assert procs.reloads >= 2
    assert procs.failed_reloads == 0


async def test_routing_maps_change_without_a_reload(
    haproxy: HAProxyProcess, instance: IngressInstance, upstreams: dict[str, int]
) -> None:
    runtime = instance.runtime
    await fill(runtime, upstreams)
    assert instance.running is not None
    hosts = str(instance.running.hosts_map)
    assert await runtime.map_entries(hosts) == {
        "shop.prod.test": BACKEND,
        "other.prod.test": "other.prod",
    }
    assert set(await through(haproxy, 6, host="shop.prod.test")) == set(upstreams)
    assert await through(haproxy, 2, host="shop.example.org") == Counter({"404": 2})
    want = {"shop.prod.test": BACKEND, "shop.example.org": BACKEND}
    await runtime.run(runtime.map_commands(hosts, await runtime.map_entries(hosts), want))
    assert await runtime.map_entries(hosts) == want
    assert set(await through(haproxy, 6, host="shop.example.org:8080")) == set(upstreams)
    assert await through(haproxy, 1, host="other.prod.test") == Counter({"404": 1})
    pid = (await runtime.info())["Pid"]
    assert pid == instance.pid  # no reload happened


async def test_unknown_hosts_get_a_problem_404(haproxy: HAProxyProcess) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        r = await http.get(f"http://127.0.0.1:{haproxy.port}/", headers={"host": "nope.example"})
        by_header = await http.get(
            f"http://127.0.0.1:{haproxy.port}/", headers={"x-flotilla-app": "nope.prod"}
        )
    assert r.status_code == by_header.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "No application is routed here"


async def test_restart_is_detectable_and_starts_empty(
    haproxy: HAProxyProcess, instance: IngressInstance, upstreams: dict[str, int]
) -> None:
    runtime = instance.runtime
    await fill(runtime, upstreams)
    before = await runtime.info()
    await asyncio.to_thread(haproxy.restart)
    after = await runtime.info()  # the driver reconnects by itself
    assert after["Pid"] != before["Pid"]
    assert after["description"] == before["description"]  # the same generation, cold
    assert {s.state for s in await runtime.servers(BACKEND)} == {"maint"}


async def test_a_pipeline_bigger_than_the_socket_buffer_completes(
    instance: IngressInstance,
) -> None:
    """20,000 address changes (~1 MB of commands, ~2 MB of replies) in one call: written in
    chunks that fit the socket, since HAProxy stops reading commands while its replies wait to
    be read (one write of it all never finished)."""
    runtime = instance.runtime
    commands = [
        c
        for i in range(10_000)
        for c in runtime.fill_commands(BACKEND, f"s{i % 8 + 1}", f"127.0.0.{i % 2 + 2}", 80, 1)[:1]
    ]
    commands += commands
    replies = await asyncio.wait_for(runtime.execute(commands), 60)
    assert len(replies) == 20_000
    assert all(r.startswith(("IP changed from", "no need to change")) for r in replies)


async def test_a_runtime_api_that_never_answers_times_out(
    haproxy: HAProxyProcess, tmp_path: Path
) -> None:
    """A socket that accepts and never answers — on a new connection (its prompt) as on one
    in use — is an error within the timeout, not a wait for ever: the instance's loop and its
    runtime lock would be held by it (tests/faults/test_ingress_gate.py found the first)."""
    cutter = SocketCutter(tmp_path / "stalled.sock", haproxy.socket)
    cutter.start()
    runtime = HAProxyRuntime(str(cutter.listen), timeout_s=1.0)
    try:
        assert "Pid" in await runtime.info()
        for fresh in (False, True):
            if fresh:
                await runtime.close()
            cutter.stall(True)
            started = time.monotonic()
            with pytest.raises(HAProxyError, match="timed out"):
                await runtime.info()
            assert time.monotonic() - started < 2.5
            cutter.stall(False)
            assert "Pid" in await runtime.info()  # and it works again once answered
    finally:
        await runtime.close()
        cutter.stop()


async def test_a_follower_is_blocked_only_while_the_runtime_api_fails(
    haproxy: HAProxyProcess, tmp_path: Path
) -> None:
    """A follower (it applies nothing) finds HAProxy blocked — its master answers, its
    runtime API does not — and unblocked once the runtime API answers again: release-api
    asks every k8s-sync replica whether the ingress follows, followers too."""
    cutter = SocketCutter(tmp_path / "stalled.sock", haproxy.socket)
    cutter.start()
    settings = IngressInstanceSettings.model_validate(haproxy.ingress_settings())
    follower = IngressInstance(
        haproxy.name,
        settings.paths(),
        runtime=HAProxyRuntime(str(cutter.listen), timeout_s=1.0),
        master=MasterCLI(str(haproxy.master_socket)),
        is_leader=lambda: False,
    )
    try:
        await follower._check(time.monotonic(), write=False)
        assert (follower.up, follower.blocked) == (True, None)
        cutter.stall(True)
        await follower._check(time.monotonic(), write=False)
        assert follower.up is False
        assert follower.blocked is not None
        assert "timed out" in follower.blocked
        cutter.stall(False)
        await follower._check(time.monotonic(), write=False)
        assert [follower.up, follower.blocked] == [True, None]
    finally:
        await follower.runtime.close()
        cutter.stop()
