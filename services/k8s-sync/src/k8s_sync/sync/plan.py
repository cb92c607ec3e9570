"""Diff what a backend should serve against its slots as HAProxy reports them, into commands.

A slot holds one pod, identified by its address and port (an ingress routes to pod IPs, so within
one backend an address:port is one pod). Rules, in the order a zero-downtime change needs them:
- a new ready endpoint fills a free slot (address, weight, then `state ready`), reusing the slot
  that last held the same address when there is one;
- a served endpoint whose weight changed gets `set server ... weight`;
- an endpoint that is terminating but serving is drained, never freed while it has sessions;
- a slot nobody wants any more is drained first; once drained and without sessions it is put
  back in maintenance, which makes it free (nothing is ever deleted: see ingress.config);
- slots of a cluster marked stale (its API unreachable), and slots nobody can place while some
  cluster was never listed, are left exactly as they are;
- a plan that would take a backend from serving to serving nothing is refused unless the caller
  confirmed it (a relist that comes back empty is confirmed by a second list first);
- endpoints with no free slot are counted in `missing`: the caller resizes the backend (one
  reload) and plans again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from k8s_sync.ingress.haproxy import HAProxyRuntime, ServerState
from k8s_sync.sync.desired import Endpoint

Key = tuple[str, int]  # (address, port)


@dataclass
class Plan:
    backend: str
    commands: list[str] = field(default_factory=list)
    filled: dict[str, Key] = field(default_factory=dict)  # slot → the endpoint put in it
    drained: list[str] = field(default_factory=list)
    freed: list[str] = field(default_factory=list)
    reweighted: dict[str, int] = field(default_factory=dict)  # slot → new weight
    missing: int = 0  # ready endpoints that found no free slot
    refused: str | None = None

    @property
    def empty(self) -> bool:
        return not self.commands


def plan_backend(
    backend: str,
    desired: Iterable[Endpoint],
    actual: Iterable[ServerState],
    *,
    sessions: Mapping[str, int] | None = None,
    stale: frozenset[Key] = frozenset(),
    keep_unknown: bool = False,
    allow_empty: bool = False,
) -> Plan:
    """`stale`: endpoints of stale clusters (left alone); `keep_unknown`: also leave alone the
    slots that hold an address no cluster's view explains (some cluster was never listed)."""
    plan = Plan(backend)
    sessions = sessions or {}
    slots = sorted(actual, key=lambda s: s.server_id)
    wanted: dict[Key, Endpoint] = {}
    known: set[Key] = set(stale)
    for endpoint in desired:
        key = (endpoint.address, endpoint.port)
        known.add(key)
        if endpoint.desired_state is not None and key not in stale:
            wanted[key] = endpoint

    def left_alone(key: Key) -> bool:
        return key in stale or (keep_unknown and key not in known)

    serving_now = [s for s in slots if s.state == "ready"]
    ready_after = sum(1 for e in wanted.values() if e.desired_state == "ready")
    ready_after += sum(1 for s in serving_now if left_alone(_key(s)) and _key(s) not in wanted)
    if serving_now and not ready_after and not allow_empty:
        plan.refused = (
            f"would leave {backend} serving nothing ({len(serving_now)} servers ready now); "
            "confirm first"
        )
        return plan

    placed: set[Key] = set()
    free: list[ServerState] = []
    for slot in slots:
        key = _key(slot)
        if slot.state == "maint":
            free.append(slot)
            continue
        match = wanted.get(key) if key not in placed else None
        if match is not None:
            placed.add(key)
            _adjust(plan, slot, match)
        elif left_alone(key) and key not in placed:
            placed.add(key)
        elif slot.state == "ready":
            plan.commands.append(HAProxyRuntime.state_command(backend, slot.name, "drain"))
            plan.drained.append(slot.name)
        elif sessions.get(slot.name, 0) == 0:  # drained and idle: free it
            plan.commands.append(HAProxyRuntime.state_command(backend, slot.name, "maint"))
            plan.freed.append(slot.name)

    # The slot that last held an address is reused for it (keeps its stats and id stable).
    by_key = {_key(s): s for s in free}
    for key, endpoint in sorted(wanted.items()):
        if key in placed or endpoint.desired_state != "ready":
            continue  # placed already, or never filled only to be drained
        target = by_key.pop(key, None) or next((s for s in free if _key(s) not in wanted), None)
        if target is None:
            plan.missing += 1
            continue
        free.remove(target)
        by_key.pop(_key(target), None)
        plan.commands += HAProxyRuntime.fill_commands(
            backend, target.name, endpoint.address, endpoint.port, endpoint.weight
        )
        plan.filled[target.name] = key
    return plan


def _adjust(plan: Plan, slot: ServerState, endpoint: Endpoint) -> None:
    state = str(endpoint.desired_state)
    if slot.state != state:
        plan.commands.append(HAProxyRuntime.state_command(plan.backend, slot.name, state))
        if state == "drain":
            plan.drained.append(slot.name)
    if state == "ready" and slot.weight != endpoint.weight:
        plan.commands.append(
            HAProxyRuntime.weight_command(plan.backend, slot.name, endpoint.weight)
        )
        plan.reweighted[slot.name] = endpoint.weight


def _key(slot: ServerState) -> Key:
    return (slot.address, slot.port)


def unapplied(plan: Plan, readback: Iterable[ServerState]) -> list[str]:
    """What the batch meant to do that HAProxy does not show (empty: all of it took)."""
    by_name = {s.name: s for s in readback}
    wrong = [
        n
        for n, key in plan.filled.items()
        if n not in by_name or by_name[n].state != "ready" or _key(by_name[n]) != key
    ]
    wrong += [n for n in plan.drained if n in by_name and by_name[n].state != "drain"]
    wrong += [n for n in plan.freed if n in by_name and by_name[n].state != "maint"]
    wrong += [n for n, w in plan.reweighted.items() if n in by_name and by_name[n].weight != w]
    return wrong
