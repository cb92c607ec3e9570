"""ReplicaSet controller: keep `replicas` pods that match the selector; adopt and release."""

from __future__ import annotations

import copy
import functools
from typing import Any

from kubesim.controllers.base import Controller, Key
from kubesim.objects import controller_of, is_terminating, owner_ref, pod_is_ready
from kubesim.resources import resource
from kubesim.selectors import labels_match, selector_from_match
from kubesim.store import Obj, random_suffix

RS = resource("ReplicaSet")
POD = resource("Pod")


def _delete_rank(pod: Obj) -> tuple[int, int, str]:
    """Which pods go first when scaling down: unscheduled, pending, not ready, then newest."""
    status = pod.get("status") or {}
    scheduled = bool((pod.get("spec") or {}).get("nodeName"))
    phase_rank = 0 if not scheduled else 1 if status.get("phase") == "Pending" else 2
    ready_rank = 1 if pod_is_ready(pod) else 0
    # Newest first: invert the timestamp's characters so a plain sort puts it first.
    created = pod["metadata"].get("creationTimestamp", "")
    return (phase_rank, ready_rank, "".join(chr(0x10FFFF - ord(c)) for c in created))


class ReplicaSetController(Controller):
    name = "replicaset"

    def on_event(self, type_: str, rt: Any, obj: Obj, old: Obj | None) -> None:
        if rt is RS:
            self.enqueue((obj["metadata"]["namespace"], obj["metadata"]["name"]))
        elif rt is POD:
            for candidate in (obj, old):
                if candidate is None:
                    continue
                ref = controller_of(candidate)
                if ref and ref["kind"] == "ReplicaSet":
                    self.enqueue((candidate["metadata"]["namespace"], ref["name"]))
            if type_ != "DELETED" and controller_of(obj) is None:
                ns = obj["metadata"]["namespace"]
                for rs in self.store.list(RS, ns):
                    self.enqueue((ns, rs["metadata"]["name"]))

    def reconcile(self, key: Key) -> None:
        ns, name = key
        rs = self.store.get(RS, ns, name)
        if rs is None or is_terminating(rs):
            return
        uid = rs["metadata"]["uid"]
        selector = selector_from_match(rs["spec"].get("selector"))
        owned: list[Obj] = []
        for pod in self.store.list(POD, ns):
            ref = controller_of(pod)
            matches = labels_match(selector, pod["metadata"].get("labels"))
            if ref and ref.get("uid") == uid:
                if matches:
                    owned.append(pod)
                else:  # labels changed: release it (this is how a pod is isolated)
                    self.store.mutate(
                        POD, ns, pod["metadata"]["name"], functools.partial(_drop_owner, uid=uid)
                    )
            elif ref is None and matches and not is_terminating(pod):
                self.store.mutate(
                    POD, ns, pod["metadata"]["name"], functools.partial(_adopt, rs=rs)
                )
                owned.append(pod)
        active = [p for p in owned if not is_terminating(p)]
        want = int(rs["spec"].get("replicas", 1))
        if len(active) < want:
            for _ in range(want - len(active)):
                active.append(self._create_pod(rs))
        elif len(active) > want:
            doomed = sorted(active, key=_delete_rank)[: len(active) - want]
            for pod in doomed:
                self.cluster.delete(POD, ns, pod["metadata"]["name"], {})
                self.cluster.record_event(
                    rs, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}"
                )
            gone = {p["metadata"]["name"] for p in doomed}
            active = [p for p in active if p["metadata"]["name"] not in gone]
        fresh = [self.store.get(POD, ns, p["metadata"]["name"]) for p in active]
        pods = [p for p in fresh if p is not None]
        ready = sum(1 for p in pods if pod_is_ready(p))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        self.store.mutate(RS, ns, name, lambda r: r.__setitem__("status", status))

    def _create_pod(self, rs: Obj) -> Obj:
        template = copy.deepcopy(rs["spec"].get("template") or {})
        meta = template.get("metadata") or {}
        ns = rs["metadata"]["namespace"]
        pod = {
            "metadata": {
                "name": f"{rs['metadata']['name']}-{random_suffix()}",
                "namespace": ns,
                "labels": dict(meta.get("labels") or {}),
                "annotations": dict(meta.get("annotations") or {}),
                "ownerReferences": [owner_ref(rs)],
            },
            "spec": template.get("spec") or {},
        }
        created = self.cluster.create(POD, pod)
        self.cluster.record_event(
            rs, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}"
        )
        return created


def _drop_owner(pod: Obj, uid: str) -> None:
    refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
    if refs:
        pod["metadata"]["ownerReferences"] = refs
    else:
        pod["metadata"].pop("ownerReferences", None)


def _adopt(pod: Obj, rs: Obj) -> None:
    pod["metadata"].setdefault("ownerReferences", []).append(owner_ref(rs))
