"""Scheduler and kubelets: place pods on nodes, run their lifecycle, terminate them gracefully.

Timings come from the pod spec where Kubernetes has them (lifecycle `sleep` hooks,
`readinessProbe.initialDelaySeconds`, `terminationGracePeriodSeconds`) and from annotations
where a simulation needs more (fractional seconds, faults):
  kubesim.flotilla.io/ready-after-seconds   time from running to ready (overrides the probe)
  kubesim.flotilla.io/post-start-seconds    postStart duration (exec/http hooks)
  kubesim.flotilla.io/pre-stop-seconds      preStop duration (exec/http hooks)
  kubesim.flotilla.io/shutdown-seconds      time the app takes to exit after SIGTERM
Exec hooks run "declared or not": every image has a shell, and the programs the
image_commands knob (or a scenario's image_commands) says it contains; a postStart hook that
runs anything else fails as on a real kubelet (FailedPostStartHook, the container restarts
into CrashLoopBackOff), a preStop one is recorded (FailedPreStopHook) and SIGTERM follows.
  kubesim.flotilla.io/fault                 CrashLoopBackOff | ImagePullBackOff | ErrImagePull |
                                            OOMKilled | NeverReady | SlowStart | CrashLater
CrashLater: the container becomes ready as usual, then dies `crash_later_s` (a knob) after it
did — a version that passes its rollout and breaks under way — and crash-loops from then on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from kubesim.controllers.base import Controller, Key
from kubesim.controllers.podspec import (
    annotation_seconds,
    condition_reason,
    container_status,
    hook_seconds,
    host_ip,
    missing_hook_program,
    node_ready,
    pod_requests,
    quantity,
    ready_after,
    set_condition,
    tolerated,
)
from kubesim.objects import is_terminating
from kubesim.resources import resource
from kubesim.store import Obj, now_iso

POD = resource("Pod")
NODE = resource("Node")
# A postStart exec hook whose program the image lacks fails; the kubelet kills the container
# and restarts it, again and again (kubesim.knobs.Knobs.image_commands, podspec.hook_programs).
HOOK_FAILED = "FailedPostStartHook"
CRASHING = ("CrashLoopBackOff", "OOMKilled", HOOK_FAILED)
START_DELAY_S = 0.05  # scheduled → image present → container running
CRASH_AFTER_S = 0.5  # how long a crashing container runs before it dies
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 5.0


@dataclass
class PodRun:
    """What a kubelet remembers about a pod between reconciles (monotonic times)."""

    running_at: float | None = None
    ready_at: float | None = None
    terminate_at: float | None = None
    gone_at: float | None = None
    crashes: int = 0
    next_crash_at: float | None = None
    restart_at: float | None = None


class Kubelet(Controller):
    name = "kubelet"

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.runs: dict[Key, PodRun] = {}
        # node → {pod key: (cpu, memory)} of the pods bound there and not terminating; kept up
        # to date from pod events so scheduling does not scan every pod.
        self._placed: dict[str, dict[Key, tuple[float, float]]] = {}
        self._totals: dict[str, tuple[float, float, int]] = {}

    def _account(self, type_: str, pod: Obj, old: Obj | None) -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        if old is not None:
            previous = (old.get("spec") or {}).get("nodeName")
            if previous and key in self._placed.get(previous, {}):
                cpu, mem = self._placed[previous].pop(key)
                total = self._totals[previous]
                self._totals[previous] = (total[0] - cpu, total[1] - mem, total[2] - 1)
        node = (pod.get("spec") or {}).get("nodeName")
        if node and type_ != "DELETED" and not is_terminating(pod):
            cpu, mem = pod_requests(pod)
            self._placed.setdefault(node, {})[key] = (cpu, mem)
            total = self._totals.get(node, (0.0, 0.0, 0))
            self._totals[node] = (total[0] + cpu, total[1] + mem, total[2] + 1)

    def _node_load(self) -> dict[str, tuple[float, float, int]]:
        return self._totals

    def on_event(self, type_: str, rt: Any, obj: Obj, old: Obj | None) -> None:
        if rt is POD:
            self._account(type_, obj, old)
            key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
            if type_ == "DELETED":
                self.runs.pop(key, None)
                self.cluster.release_pod(obj)
            else:
                self.enqueue(key)
        elif rt is NODE:
            name = obj["metadata"]["name"]
            node_gone = type_ == "DELETED"
            for pod in self.store.list(POD):
                on_node = (pod.get("spec") or {}).get("nodeName") == name
                if on_node or (not (pod.get("spec") or {}).get("nodeName") and not node_gone):
                    self.enqueue((pod["metadata"]["namespace"], pod["metadata"]["name"]))

    def reconcile(self, key: Key) -> None:
        ns, name = key
        pod = self.store.get(POD, ns, name)
        if pod is None:
            return
        run = self.runs.setdefault(key, PodRun())
        now = asyncio.get_running_loop().time()
        if is_terminating(pod):
            self._terminate(key, pod, run, now)
            return
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            self._schedule(key, pod)
            return
        node = self.store.get(NODE, None, node_name)
        if node is None:  # its node was removed: the pod is gone with it
            self.cluster.delete(POD, ns, name, {"gracePeriodSeconds": 0})
            return
        fault = self.cluster.fault_for(pod)
        if fault in ("ImagePullBackOff", "ErrImagePull"):
            self._image_pull_failing(pod, run, now, fault)
            return
        if run.running_at is None:
            start = START_DELAY_S + (self.cluster.knobs.slow_start_s if fault == "SlowStart" else 0)
            run.running_at = now + start
            run.ready_at = (
                run.running_at
                + hook_seconds(pod, "postStart", "post-start-seconds")
                + ready_after(pod)
            )
            if fault in CRASHING:
                run.next_crash_at = run.running_at + CRASH_AFTER_S
            elif fault == "CrashLater":
                run.next_crash_at = run.ready_at + self.cluster.knobs.crash_later_s
        self._advance(key, pod, node, run, now, fault)

    # --- scheduling -------------------------------------------------------------------------

    def _schedule(self, key: Key, pod: Obj) -> None:
        node = self._pick_node(pod)
        ns, name = key
        if node is None:

            def unschedulable(p: Obj) -> None:
                status = p.setdefault("status", {})
                status["phase"] = "Pending"
                set_condition(
                    status,
                    "PodScheduled",
                    "False",
                    "Unschedulable",
                    f"0/{self.store.count(NODE)} nodes are available",
                )

            before = self.store.get(POD, ns, name)
            self.store.mutate(POD, ns, name, unschedulable)
            if before is not None and condition_reason(before, "PodScheduled") != "Unschedulable":
                self.cluster.record_event(
                    pod,
                    "FailedScheduling",
                    f"0/{self.store.count(NODE)} nodes are available",
                    type_="Warning",
                )
            self.enqueue_after(key, 1.0)
            return
        node_name = node["metadata"]["name"]

        def bind(p: Obj) -> None:
            p["spec"]["nodeName"] = node_name
            status = p.setdefault("status", {})
            status["phase"] = "Pending"
            set_condition(status, "PodScheduled", "True")

        self.store.mutate(POD, ns, name, bind)
        self.cluster.record_event(
            pod, "Scheduled", f"Successfully assigned {ns}/{name} to {node_name}"
        )

    def _pick_node(self, pod: Obj) -> Obj | None:
        spec = pod.get("spec") or {}
        selector = spec.get("nodeSelector") or {}
        tolerations = spec.get("tolerations") or []
        cpu, mem = pod_requests(pod)
        load = self._node_load()
        best: tuple[float, Obj] | None = None
        for node in self.store.list(NODE):
            nspec = node.get("spec") or {}
            if nspec.get("unschedulable") or not node_ready(node):
                continue
            labels = node["metadata"].get("labels") or {}
            if any(labels.get(k) != v for k, v in selector.items()):
                continue
            if not all(
                tolerated(t, tolerations)
                for t in nspec.get("taints") or []
                if t.get("effect") in ("NoSchedule", "NoExecute")
            ):
                continue
            alloc = (node.get("status") or {}).get("allocatable") or {}
            used_cpu, used_mem, count = load.get(node["metadata"]["name"], (0.0, 0.0, 0))
            free_cpu = quantity(alloc.get("cpu", "0")) - used_cpu
            free_mem = quantity(alloc.get("memory", "0")) - used_mem
            if cpu > free_cpu + 1e-9 or mem > free_mem or count + 1 > int(alloc.get("pods", 110)):
                continue
            score = count + used_cpu  # least loaded first: spreads pods
            if best is None or score < best[0]:
                best = (score, node)
        return best[1] if best else None

    # --- running ----------------------------------------------------------------------------

    def _advance(
        self, key: Key, pod: Obj, node: Obj, run: PodRun, now: float, fault: str | None
    ) -> None:
        ns, name = key
        assert run.running_at is not None
        if now < run.running_at:
            self.enqueue_after(key, run.running_at - now)
            return
        if run.restart_at is not None and now < run.restart_at:
            self._crash_looping(key, pod, run, fault)
            self.enqueue_after(key, run.restart_at - now)
            return
        if run.restart_at is not None:  # back-off over: the container starts again
            run.restart_at = None
            run.next_crash_at = now + CRASH_AFTER_S
        if run.next_crash_at is not None and now >= run.next_crash_at:
            run.crashes += 1
            backoff = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (run.crashes - 1))
            run.restart_at = now + backoff
            run.next_crash_at = None
            self._crash_looping(key, pod, run, fault, just_died=True)
            if fault == HOOK_FAILED:
                self._hook_failed(pod, "postStart")
            self.cluster.record_event(
                pod, "BackOff", "Back-off restarting failed container", type_="Warning"
            )
            self.enqueue_after(key, backoff)
            return
        ip = self.cluster.pod_ip(pod)
        ready = (
            run.ready_at is not None
            and now >= run.ready_at
            and fault != "NeverReady"
            and node_ready(node)
            and run.crashes == 0
            and fault not in CRASHING
        )
        node_ip = host_ip(node)
        first_start = (pod.get("status") or {}).get("phase") != "Running"

        def running(p: Obj) -> None:
            status = p.setdefault("status", {})
            status["phase"] = "Running"
            status["podIP"] = ip
            status["podIPs"] = [{"ip": ip}]
            status["hostIP"] = node_ip
            status.setdefault("startTime", now_iso())
            set_condition(status, "PodScheduled", "True")
            set_condition(status, "Initialized", "True")
            set_condition(status, "ContainersReady", "True" if ready else "False")
            set_condition(
                status,
                "Ready",
                "True" if ready else "False",
                None if ready else "NodeNotReady" if not node_ready(node) else "ContainersNotReady",
            )
            status["containerStatuses"] = [
                container_status(
                    c,
                    ready=ready,
                    restarts=run.crashes,
                    previous=(status.get("containerStatuses") or [{}] * (i + 1))[i]
                    if i < len(status.get("containerStatuses") or [])
                    else {},
                )
                for i, c in enumerate((p.get("spec") or {}).get("containers") or [])
            ]

        self.store.mutate(POD, ns, name, running)
        if first_start:
            self.cluster.record_event(pod, "Started", "Started container")
            self.cluster.pod_started(self.store.get(POD, ns, name) or pod)
        if not ready and run.ready_at is not None and now < run.ready_at:
            self.enqueue_after(key, run.ready_at - now)
        elif run.next_crash_at is not None:
            self.enqueue_after(key, run.next_crash_at - now)

    def _crash_looping(
        self, key: Key, pod: Obj, run: PodRun, fault: str | None, just_died: bool = False
    ) -> None:
        ns, name = key
        reason = "OOMKilled" if fault == "OOMKilled" else "Error"
        exit_code = 137 if fault == "OOMKilled" else 1

        def crash(p: Obj) -> None:
            status = p.setdefault("status", {})
            status["phase"] = "Running"
            status["podIP"] = self.cluster.pod_ip(p)
            set_condition(status, "Ready", "False", "ContainersNotReady")
            set_condition(status, "ContainersReady", "False", "ContainersNotReady")
            statuses = []
            for c in (p.get("spec") or {}).get("containers") or []:
                statuses.append(
                    {
                        "name": c["name"],
                        "image": c.get("image", ""),
                        "imageID": "",
                        "ready": False,
                        "started": False,
                        "restartCount": run.crashes,
                        "state": {
                            "waiting": {
                                "reason": "CrashLoopBackOff",
                                "message": f"back-off restarting failed container {c['name']}",
                            }
                        },
                        "lastState": {
                            "terminated": {
                                "reason": reason,
                                "exitCode": exit_code,
                                "finishedAt": now_iso(),
                            }
                        },
                    }
                )
            status["containerStatuses"] = statuses

        self.store.mutate(POD, ns, name, crash)

    def _image_pull_failing(self, pod: Obj, run: PodRun, now: float, fault: str) -> None:
        ns, name = key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        # Time-gated: our own status write triggers another reconcile right away.
        if run.restart_at is not None and now < run.restart_at:
            self.enqueue_after(key, run.restart_at - now)
            return
        run.crashes += 1
        run.restart_at = now + min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** min(run.crashes, 4))
        reason = (
            "ErrImagePull"
            if fault == "ErrImagePull" or run.crashes % 2 == 1
            else "ImagePullBackOff"
        )

        def waiting(p: Obj) -> None:
            status = p.setdefault("status", {})
            status["phase"] = "Pending"
            set_condition(status, "Ready", "False", "ContainersNotReady")
            status["containerStatuses"] = [
                {
                    "name": c["name"],
                    "image": c.get("image", ""),
                    "imageID": "",
                    "ready": False,
                    "started": False,
                    "restartCount": 0,
                    "state": {
                        "waiting": {
                            "reason": reason,
                            "message": f'Back-off pulling image "{c.get("image")}"',
                        }
                    },
                }
                for c in (p.get("spec") or {}).get("containers") or []
            ]

        self.store.mutate(POD, ns, name, waiting)
        if run.crashes == 1:
            self.cluster.record_event(
                pod, "Failed", f"Failed to pull image: {reason}", type_="Warning"
            )
        self.enqueue_after(key, run.restart_at - now)

    def _hook_failed(self, pod: Obj, hook: str) -> bool:
        """Record an exec hook whose program the image lacks, as a kubelet does; True if so."""
        missing = missing_hook_program(pod, hook, self.cluster.knobs.programs)
        if missing is None:
            return False
        container, program = missing
        reason = "FailedPostStartHook" if hook == "postStart" else "FailedPreStopHook"
        self.cluster.record_event(
            pod,
            reason,
            f'{hook} hook for Container "{container}" failed: exec: "{program}": '
            "executable file not found in $PATH (the image does not contain it)",
            type_="Warning",
        )
        return True

    # --- termination ------------------------------------------------------------------------

    def _terminate(self, key: Key, pod: Obj, run: PodRun, now: float) -> None:
        ns, name = key
        if run.gone_at is None:
            grace = float(
                pod["metadata"].get(
                    "deletionGracePeriodSeconds",
                    (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30),
                )
            )
            started = (pod.get("status") or {}).get("phase") == "Running"
            pre_stop = hook_seconds(pod, "preStop", "pre-stop-seconds") if started else 0.0
            if started and self._hook_failed(pod, "preStop"):
                pre_stop = 0.0  # the kubelet records the failure and goes on to SIGTERM
            shutdown = annotation_seconds(pod, "shutdown-seconds") or 0.0
            run.terminate_at = now
            run.gone_at = now + min(grace, pre_stop + shutdown) if started else now
            if started:
                self.cluster.record_event(pod, "Killing", "Stopping container")

            def not_ready(p: Obj) -> None:
                status = p.setdefault("status", {})
                set_condition(status, "Ready", "False", "PodTerminating")
                set_condition(status, "ContainersReady", "False", "PodTerminating")
                for cs in status.get("containerStatuses") or []:
                    cs["ready"] = False

            self.store.mutate(POD, ns, name, not_ready)
            if started:
                self.cluster.pod_stopping(pod, pre_stop_s=min(grace, pre_stop))
        if now >= run.gone_at:
            self.runs.pop(key, None)
            if self.store.get(POD, ns, name) is not None:
                self.store.remove(POD, ns, name)
            return
        self.enqueue_after(key, run.gone_at - now)
