"""Deployment controller: ReplicaSets per pod template, rolling update and recreate, rollback by
template, pause, progress deadline, status and conditions (kubernetes pkg/controller/deployment).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from typing import Any, cast

from kubesim.controllers.base import Controller, Key
from kubesim.objects import controller_of, is_terminating, owner_ref
from kubesim.resources import resource
from kubesim.store import Obj, now_iso

DEPLOYMENT = resource("Deployment")
RS = resource("ReplicaSet")
HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
_HASH_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Obj) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_HASH_CHARS[b % len(_HASH_CHARS)] for b in digest[:10])


def resolve(value: Any, total: int, *, round_up: bool) -> int:
    """An int-or-percent of `total` (maxSurge rounds up, maxUnavailable down)."""
    if isinstance(value, str) and value.endswith("%"):
        fraction = int(value[:-1]) * total / 100
        return math.ceil(fraction) if round_up else math.floor(fraction)
    return int(value or 0)


def normalized(value: Any) -> Any:
    """A template as the API server would compare it: no nulls, no empty maps or lists.

    Clients that round-trip objects through typed structs (kubectl rollout undo does) add
    empty fields such as `resources: {}` and `creationTimestamp: null`.
    """
    if isinstance(value, dict):
        out = {k: normalized(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [normalized(v) for v in value]
    return value


def _template_without_hash(rs: Obj) -> Obj:
    template = copy.deepcopy(rs["spec"].get("template") or {})
    (template.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    return cast(Obj, normalized(template))


class DeploymentController(Controller):
    name = "deployment"

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        # key → (last observed progress signature, when it last changed)
        self._progress: dict[Key, tuple[tuple[int, ...], float]] = {}

    def on_event(self, type_: str, rt: Any, obj: Obj, old: Obj | None) -> None:
        if rt is DEPLOYMENT:
            self.enqueue((obj["metadata"]["namespace"], obj["metadata"]["name"]))
        elif rt is RS:
            ref = controller_of(obj)
            if ref and ref["kind"] == "Deployment":
                self.enqueue((obj["metadata"]["namespace"], ref["name"]))

    def reconcile(self, key: Key) -> None:
        ns, name = key
        d = self.store.get(DEPLOYMENT, ns, name)
        if d is None or is_terminating(d):
            self._progress.pop(key, None)
            return
        uid = d["metadata"]["uid"]
        all_rs = [
            rs for rs in self.store.list(RS, ns) if (controller_of(rs) or {}).get("uid") == uid
        ]
        spec = d["spec"]
        template = normalized(spec.get("template") or {})
        new_rs = next((rs for rs in all_rs if _template_without_hash(rs) == template), None)
        old_rs = [rs for rs in all_rs if rs is not new_rs]
        paused = bool(spec.get("paused"))
        if not paused:
            new_rs = self._ensure_new_rs(d, new_rs, all_rs)
            if (spec.get("strategy") or {}).get("type") == "Recreate":
                self._recreate(d, new_rs, old_rs)
            else:
                self._rolling(d, new_rs, old_rs)
            self._cleanup(d, old_rs)
        else:
            self._scale_paused(d, new_rs, old_rs)
        self._update_status(key, d, new_rs, old_rs, paused)

    def _scale_paused(self, d: Obj, new_rs: Obj | None, old_rs: list[Obj]) -> None:
        """A paused Deployment does not roll, but it scales, as the real controller's sync()
        does: its ReplicaSets with pods in proportion to what they have, the newest taking
        what rounding leaves (none has pods: the newest gets them all)."""
        want = int(d["spec"].get("replicas", 1))
        newest = sorted(
            [rs for rs in (new_rs, *old_rs) if rs is not None],
            key=lambda rs: int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)),
            reverse=True,
        )
        active = [rs for rs in newest if int(rs["spec"].get("replicas", 0)) > 0] or newest[:1]
        have = sum(int(rs["spec"].get("replicas", 0)) for rs in active)
        if not active or have == want:
            return
        shares = [int(rs["spec"].get("replicas", 0)) * want // max(1, have) for rs in active]
        shares[0] += want - sum(shares)
        for rs, share in zip(active, shares, strict=True):
            self._scale(d, rs, share)

    def _ensure_new_rs(self, d: Obj, new_rs: Obj | None, all_rs: list[Obj]) -> Obj:
        ns = d["metadata"]["namespace"]
        revisions = [
            int((rs["metadata"].get("annotations") or {}).get(REVISION, "0")) for rs in all_rs
        ]
        top = max(revisions, default=0)
        if new_rs is not None:
            current = int((new_rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
            if current < top:  # a rollback made an old ReplicaSet the new one again
                new_rs = (
                    self.store.mutate(
                        RS,
                        ns,
                        new_rs["metadata"]["name"],
                        lambda rs: (
                            rs["metadata"]
                            .setdefault("annotations", {})
                            .__setitem__(REVISION, str(top + 1))
                        ),
                    )
                    or new_rs
                )
            return new_rs
        template = copy.deepcopy(d["spec"].get("template") or {})
        digest = template_hash(normalized(template))
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = digest
        selector = copy.deepcopy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[HASH_LABEL] = digest
        rs = {
            "metadata": {
                "name": f"{d['metadata']['name']}-{digest}",
                "namespace": ns,
                "labels": dict(template["metadata"]["labels"]),
                "annotations": {
                    REVISION: str(top + 1),
                    "deployment.kubernetes.io/desired-replicas": str(d["spec"].get("replicas", 1)),
                },
                "ownerReferences": [owner_ref(d)],
            },
            "spec": {
                "replicas": 0,
                "selector": selector,
                "template": template,
                "minReadySeconds": d["spec"].get("minReadySeconds", 0),
            },
        }
        created = self.cluster.create(RS, rs)
        self.cluster.record_event(
            d, "ScalingReplicaSet", f"Created new replica set {created['metadata']['name']}"
        )
        return created

    def _scale(self, d: Obj, rs: Obj, replicas: int) -> None:
        if rs["spec"].get("replicas", 0) == replicas:
            return
        verb = "up" if replicas > rs["spec"].get("replicas", 0) else "down"
        self.store.mutate(
            RS,
            rs["metadata"]["namespace"],
            rs["metadata"]["name"],
            lambda r: r["spec"].__setitem__("replicas", replicas),
        )
        rs["spec"]["replicas"] = replicas
        self.cluster.record_event(
            d,
            "ScalingReplicaSet",
            f"Scaled {verb} replica set {rs['metadata']['name']} to {replicas}",
        )

    def _rolling(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> None:
        spec = d["spec"]
        replicas = int(spec.get("replicas", 1))
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        max_surge = resolve(rolling.get("maxSurge", "25%"), replicas, round_up=True)
        max_unavailable = resolve(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
        if max_surge == 0 and max_unavailable == 0:
            max_unavailable = 1
        all_rs = [new_rs, *old_rs]
        # Scale up the new ReplicaSet within maxSurge.
        total = sum(rs["spec"].get("replicas", 0) for rs in all_rs)
        new_count = new_rs["spec"].get("replicas", 0)
        if new_count < replicas:
            room = replicas + max_surge - total
            if room > 0:
                self._scale(d, new_rs, new_count + min(room, replicas - new_count))
        elif new_count > replicas:
            self._scale(d, new_rs, replicas)
        # Scale down old ReplicaSets within maxUnavailable.
        total = sum(rs["spec"].get("replicas", 0) for rs in all_rs)
        min_available = replicas - max_unavailable
        new_unavailable = new_rs["spec"].get("replicas", 0) - _available(new_rs)
        max_down = total - min_available - new_unavailable
        if max_down <= 0:
            return
        # First the old pods that are not available anyway.
        for rs in sorted(old_rs, key=lambda r: r["metadata"]["creationTimestamp"]):
            if max_down <= 0:
                break
            unhealthy = rs["spec"].get("replicas", 0) - _available(rs)
            cut = min(unhealthy, max_down)
            if cut > 0:
                self._scale(d, rs, rs["spec"]["replicas"] - cut)
                max_down -= cut
        # Then available old pods, as long as enough stay available overall.
        available = sum(_available(rs) for rs in all_rs)
        budget = min(available - min_available, max_down)
        for rs in sorted(old_rs, key=lambda r: r["metadata"]["creationTimestamp"]):
            if budget <= 0:
                break
            cut = min(rs["spec"].get("replicas", 0), budget)
            if cut > 0:
                self._scale(d, rs, rs["spec"]["replicas"] - cut)
                budget -= cut

    def _recreate(self, d: Obj, new_rs: Obj, old_rs: list[Obj]) -> None:
        for rs in old_rs:
            self._scale(d, rs, 0)
        old_pods = sum((rs.get("status") or {}).get("replicas", 0) for rs in old_rs)
        if old_pods == 0:
            self._scale(d, new_rs, int(d["spec"].get("replicas", 1)))

    def _cleanup(self, d: Obj, old_rs: list[Obj]) -> None:
        limit = int(d["spec"].get("revisionHistoryLimit", 10))
        idle = [
            rs
            for rs in old_rs
            if rs["spec"].get("replicas", 0) == 0
            and (rs.get("status") or {}).get("replicas", 0) == 0
        ]
        idle.sort(key=lambda r: int((r["metadata"].get("annotations") or {}).get(REVISION, "0")))
        for rs in idle[: max(0, len(idle) - limit)]:
            self.cluster.delete(RS, rs["metadata"]["namespace"], rs["metadata"]["name"], {})

    def _update_status(
        self, key: Key, d: Obj, new_rs: Obj | None, old_rs: list[Obj], paused: bool
    ) -> None:
        spec = d["spec"]
        replicas = int(spec.get("replicas", 1))
        all_rs = [rs for rs in [new_rs, *old_rs] if rs is not None]
        status_of = [rs.get("status") or {} for rs in all_rs]
        total = sum(s.get("replicas", 0) for s in status_of)
        ready = sum(s.get("readyReplicas", 0) for s in status_of)
        available = sum(s.get("availableReplicas", 0) for s in status_of)
        updated = (new_rs.get("status") or {}).get("replicas", 0) if new_rs else 0
        new_available = _available(new_rs) if new_rs else 0
        complete = (
            updated == replicas
            and total == replicas
            and new_available == replicas
            and not paused
            and new_rs is not None
            and new_rs["spec"].get("replicas") == replicas
        )
        now = time.monotonic()
        signature = (updated, ready, available, total)
        last_sig, since = self._progress.get(key, ((-1,), now))
        if signature != last_sig:
            since = now
        self._progress[key] = (signature, since)
        deadline = int(spec.get("progressDeadlineSeconds", 600))
        rolling = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        max_unavailable = resolve(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
        conditions = {c["type"]: c for c in (d.get("status") or {}).get("conditions") or []}
        stamp = now_iso()
        if available >= replicas - max_unavailable:
            _condition(
                conditions,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                stamp,
            )
        else:
            _condition(
                conditions,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                stamp,
            )
        rs_name = new_rs["metadata"]["name"] if new_rs else ""
        previous = conditions.get("Progressing", {}).get("reason")
        if paused:
            _condition(
                conditions,
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused",
                stamp,
            )
        elif complete:
            _condition(
                conditions,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
                stamp,
            )
        elif (
            now - since > deadline
            or previous == "ProgressDeadlineExceeded"
            and signature == last_sig
        ):
            _condition(
                conditions,
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.',
                stamp,
            )
        else:
            reason = (
                "NewReplicaSetCreated"
                if updated == 0 and previous in (None, "NewReplicaSetAvailable")
                else "ReplicaSetUpdated"
            )
            _condition(
                conditions,
                "Progressing",
                "True",
                reason,
                f'ReplicaSet "{rs_name}" is progressing.',
                stamp,
            )
            self.enqueue_after(key, max(0.5, deadline - (now - since) + 0.05))
        status = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(0, replicas - available),
            "conditions": sorted(conditions.values(), key=lambda c: c["type"]),
        }
        for zero in (
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
            "updatedReplicas",
            "replicas",
        ):
            if status[zero] == 0:
                status.pop(zero)
        ns, name = key

        def write(obj: Obj) -> None:
            old_conditions = {
                c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []
            }
            for cond in status["conditions"]:  # keep transition times when nothing changed
                before = old_conditions.get(cond["type"])
                if (
                    before
                    and before.get("status") == cond["status"]
                    and before.get("reason") == cond["reason"]
                ):
                    cond["lastTransitionTime"] = before.get("lastTransitionTime", stamp)
                    cond["lastUpdateTime"] = before.get("lastUpdateTime", stamp)
            obj["status"] = status

        self.store.mutate(DEPLOYMENT, ns, name, write)


def _available(rs: Obj) -> int:
    return int((rs.get("status") or {}).get("availableReplicas", 0))


def _condition(
    conditions: dict[str, Obj], type_: str, status: str, reason: str, message: str, stamp: str
) -> None:
    conditions[type_] = {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
    }
