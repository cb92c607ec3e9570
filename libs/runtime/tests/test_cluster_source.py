"""ClusterSource's guard: a cluster list that suddenly lost every cluster, or more than half,
is applied only when a second read agrees (a unit test of the logic: the registry is a stub)."""

from __future__ import annotations

import asyncio

import pytest

from flotilla_contracts import ClusterConnection
from flotilla_runtime import clusters as clusters_module
from flotilla_runtime.clusters import ClusterSource


def _connection(name: str) -> ClusterConnection:
    return ClusterConnection(cluster=name, idc="idc", api_server=f"https://{name}:6443")


class _Registry:
    def __init__(self) -> None:
        self.lists: list[list[str]] = []

    async def connections(self) -> list[ClusterConnection]:
        names = self.lists.pop(0) if len(self.lists) > 1 else self.lists[0]
        return [_connection(n) for n in names]

    async def aclose(self) -> None:
        return None


async def _applied_after(reads: list[list[str]]) -> list[list[str]]:
    registry = _Registry()
    registry.lists = [list(r) for r in reads]
    applied: list[list[str]] = []

    async def apply(connections: list[ClusterConnection]) -> None:
        applied.append(sorted(c.cluster for c in connections))

    source = ClusterSource(registry, apply, refresh_s=0.01)  # type: ignore[arg-type]
    task = asyncio.create_task(source.run())
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return applied


async def test_an_emptied_list_is_applied_only_once_confirmed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clusters_module, "CONFIRM_S", 0.01)
    applied = await _applied_after([["a", "b", "c"], [], ["a", "b", "c"]])
    assert applied[0] == ["a", "b", "c"]
    assert [] not in applied  # one empty read, then the clusters again: never applied
    applied = await _applied_after([["a", "b", "c"], [], []])
    assert applied[:2] == [["a", "b", "c"], []]  # a second empty read agrees


async def test_losing_more_than_half_waits_one_losing_one_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clusters_module, "CONFIRM_S", 0.01)
    applied = await _applied_after([["a", "b", "c", "d"], ["a"], ["a", "b", "c", "d"]])
    assert ["a"] not in applied
    applied = await _applied_after([["a", "b", "c"], ["a", "b"]])
    assert applied[:2] == [["a", "b", "c"], ["a", "b"]]  # a deregistration: at once
