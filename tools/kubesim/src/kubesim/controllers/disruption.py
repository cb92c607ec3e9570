"""PodDisruptionBudget status: how many pods may be evicted right now."""

from __future__ import annotations

import math
from typing import Any

from kubesim.controllers.base import Controller, Key
from kubesim.objects import is_terminating, pod_is_ready
from kubesim.resources import resource
from kubesim.selectors import labels_match, selector_from_match
from kubesim.store import Obj

PDB = resource("PodDisruptionBudget")
POD = resource("Pod")


def budget_numbers(pdb: Obj, pods: list[Obj]) -> dict[str, int]:
    expected = len(pods)
    healthy = sum(1 for p in pods if pod_is_ready(p))
    spec = pdb.get("spec") or {}
    if "minAvailable" in spec:
        desired = _int_or_percent(spec["minAvailable"], expected)
    elif "maxUnavailable" in spec:
        desired = expected - _int_or_percent(spec["maxUnavailable"], expected)
    else:
        desired = expected
    return {
        "expectedPods": expected,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "disruptionsAllowed": max(0, healthy - desired),
    }


def _int_or_percent(value: Any, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def pods_of(store: Any, pdb: Obj) -> list[Obj]:
    selector = selector_from_match((pdb.get("spec") or {}).get("selector"))
    return [
        p
        for p in store.list(POD, pdb["metadata"]["namespace"])
        if labels_match(selector, p["metadata"].get("labels")) and not is_terminating(p)
    ]


class DisruptionController(Controller):
    name = "disruption"

    def on_event(self, type_: str, rt: Any, obj: Obj, old: Obj | None) -> None:
        if rt is PDB:
            self.enqueue((obj["metadata"]["namespace"], obj["metadata"]["name"]))
        elif rt is POD:
            for pdb in self.store.list(PDB, obj["metadata"]["namespace"]):
                self.enqueue((pdb["metadata"]["namespace"], pdb["metadata"]["name"]))

    def reconcile(self, key: Key) -> None:
        pdb = self.store.get(PDB, *key)
        if pdb is None:
            return
        numbers = budget_numbers(pdb, pods_of(self.store, pdb))
        status = {**numbers, "observedGeneration": pdb["metadata"].get("generation", 1)}
        self.store.mutate(PDB, key[0], key[1], lambda p: p.__setitem__("status", status))
