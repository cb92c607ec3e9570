"""Diff what a backend should serve against what HAProxy reports, into runtime commands.

Rules, in the order a zero-downtime change needs them:
- a new ready endpoint is added (explicit stable id, its weight, then `state ready`);
- a served endpoint whose weight changed gets `set server ... weight`;
- an endpoint that is terminating but serving is drained, never removed while it has sessions;
- a server nobody wants any more is drained first; once it is drained and has no sessions it
  is put in maintenance and deleted (HAProxy 2.6 can crash deleting a busy server);
- servers of a cluster marked stale (its API unreachable) are left exactly as they are;
- a plan that would take a backend from serving to serving nothing is refused unless the caller
  confirmed it (a relist that comes back empty is confirmed by a second list first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from k8s_sync.ingress.haproxy import HAProxyRuntime, ServerState
from k8s_sync.sync.desired import Endpoint


@dataclass
class Plan:
    backend: str
    commands: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    drained: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    reweighted: dict[str, int] = field(default_factory=dict)  # server → new weight
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
    stale_clusters: frozenset[str] = frozenset(),
    allow_empty: bool = False,
) -> Plan:
    plan = Plan(backend)
    sessions = sessions or {}
    actual_by_name = {s.name: s for s in actual}
    wanted: dict[str, Endpoint] = {}
    for endpoint in desired:
        if endpoint.desired_state is not None and endpoint.backend == backend:
            wanted[endpoint.server] = endpoint

    def stale(name: str) -> bool:
        return name.split(".", 1)[0] in stale_clusters

    serving_now = [s for s in actual_by_name.values() if s.state == "ready"]
    ready_after = [n for n, e in wanted.items() if e.desired_state == "ready"]
    ready_after += [s.name for s in serving_now if stale(s.name) and s.name not in wanted]
    if serving_now and not ready_after and not allow_empty:
        plan.refused = (
            f"would leave {backend} serving nothing ({len(serving_now)} servers "
            "ready now); confirm first"
        )
        return plan

    used_ids = {s.server_id for s in actual_by_name.values()}
    next_id = 1
    for name, endpoint in sorted(wanted.items()):
        current = actual_by_name.get(name)
        if current is not None and (current.address, current.port) != (
            endpoint.address,
            endpoint.port,
        ):
            # Same pod name, new address: replace it (drain rules do not apply to a ghost).
            plan.commands += HAProxyRuntime.delete_commands(backend, name)
            plan.deleted.append(name)
            current = None
        if current is None:
            if endpoint.desired_state != "ready":
                continue  # never add a server only to drain it
            while next_id in used_ids:
                next_id += 1
            used_ids.add(next_id)
            plan.commands += HAProxyRuntime.add_commands(
                backend,
                name,
                endpoint.address,
                endpoint.port,
                server_id=next_id,
                weight=endpoint.weight,
            )
            plan.added.append(name)
        else:
            if current.state != endpoint.desired_state:
                plan.commands.append(
                    HAProxyRuntime.state_command(backend, name, str(endpoint.desired_state))
                )
                if endpoint.desired_state == "drain":
                    plan.drained.append(name)
            if endpoint.desired_state == "ready" and current.weight != endpoint.weight:
                plan.commands.append(HAProxyRuntime.weight_command(backend, name, endpoint.weight))
                plan.reweighted[name] = endpoint.weight
    for name, current in sorted(actual_by_name.items()):
        if name in wanted or stale(name):
            continue
        if current.state == "ready":
            plan.commands.append(HAProxyRuntime.state_command(backend, name, "drain"))
            plan.drained.append(name)
        elif sessions.get(name, 0) == 0:
            plan.commands += HAProxyRuntime.delete_commands(backend, name)
            plan.deleted.append(name)
    return plan
