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
    allow_empty: bool = False,
) -> Plan:
    """`actual`: the backend's slots as HAProxy lists them (in id order); `stale`: addresses
    no plan may touch (endpoints of stale clusters, slots nobody can place yet)."""
    plan = Plan(backend)
    sessions = sessions or {}
    slots = list(actual)
    wanted: dict[Key, Endpoint] = {}
    for endpoint in desired:
        key = (endpoint.address, endpoint.port)
        if endpoint.desired_state is not None and key not in stale:
            wanted[key] = endpoint

    serving_now = [s for s in slots if s.state == "ready"]
    ready_after = sum(1 for e in wanted.values() if e.desired_state == "ready")
    ready_after += sum(
        1 for s in serving_now if (k := (s.address, s.port)) in stale and k not in wanted
    )
    if serving_now and not ready_after and not allow_empty:
        plan.refused = (
            f"would leave {backend} serving nothing ({len(serving_now)} servers ready now); "
            "confirm first"
        )
        return plan

    placed: set[Key] = set()
    free: list[ServerState] = []
    for slot in slots:
        if slot.state == "maint":
            free.append(slot)
            continue
        key = (slot.address, slot.port)
        match = wanted.get(key) if key not in placed else None
        if match is not None:
            placed.add(key)
            if slot.state != match.desired_state or (
                match.desired_state == "ready" and slot.weight != match.weight
            ):
                _adjust(plan, slot, match)
        elif key in stale and key not in placed:
            placed.add(key)
        elif slot.state == "ready":
            plan.commands.append(HAProxyRuntime.state_command(backend, slot.name, "drain"))
            plan.drained.append(slot.name)
        elif sessions.get(slot.name, 0) == 0:  # drained and idle: free it
            plan.commands.append(HAProxyRuntime.state_command(backend, slot.name, "maint"))
            plan.freed.append(slot.name)

    to_fill = sorted(
        (k, e) for k, e in wanted.items() if k not in placed and e.desired_state == "ready"
    )  # the rest are placed already, or never filled only to be drained
    if not to_fill:
        return plan
    # The slot that last held an address is reused for it (keeps its stats and id stable);
    # otherwise the first free slot no wanted address last held.
    by_key = {(s.address, s.port): s for s in free}
    spare = iter([s for s in free if (s.address, s.port) not in wanted])
    taken: set[str] = set()
    for key, endpoint in to_fill:
        target = by_key.get(key)
        if target is None or target.name in taken:
            target = next((s for s in spare if s.name not in taken), None)
        if target is None:
            plan.missing += 1
            continue
        taken.add(target.name)
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


def unapplied(plan: Plan, readback: Iterable[ServerState]) -> list[str]:
    """What the batch meant to do that HAProxy does not show (empty: all of it took)."""
    by_name = {s.name: s for s in readback}
    wrong = [
        n
        for n, key in plan.filled.items()
        if n not in by_name
        or by_name[n].state != "ready"
        or (by_name[n].address, by_name[n].port) != key
    ]
    wrong += [n for n in plan.drained if n in by_name and by_name[n].state != "drain"]
    wrong += [n for n in plan.freed if n in by_name and by_name[n].state != "maint"]
    wrong += [n for n, w in plan.reweighted.items() if n in by_name and by_name[n].weight != w]
    return wrong
