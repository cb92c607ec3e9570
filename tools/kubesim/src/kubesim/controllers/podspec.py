"""What the kubelet reads from pods and nodes, and the status pieces it writes back.

Pure functions over objects (no store, no cluster): durations from the spec and kubesim's
annotations, resource requests, node readiness and taints, pod conditions and container
statuses in the shape the API server reports them.
"""

from __future__ import annotations

from typing import Any

from kubesim.store import Obj, now_iso

PREFIX = "kubesim.flotilla.io/"


def annotation_seconds(pod: Obj, name: str) -> float | None:
    value = (pod["metadata"].get("annotations") or {}).get(PREFIX + name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def hook_seconds(pod: Obj, hook: str, annotation: str) -> float:
    explicit = annotation_seconds(pod, annotation)
    if explicit is not None:
        return explicit
    longest = 0.0
    for c in (pod.get("spec") or {}).get("containers") or []:
        sleep = (((c.get("lifecycle") or {}).get(hook) or {}).get("sleep") or {}).get("seconds")
        if sleep is not None:
            longest = max(longest, float(sleep))
    return longest


SHELL_WORDS = frozenset(
    {"if", "then", "else", "fi", "until", "while", "do", "done", "exec", "true", "false", ":"}
    | {"echo", "exit", "cd", "export", "test", "[", "!", "set", "trap", "wait", "read"}
)


def hook_programs(command: list[str]) -> list[str]:
    """The programs an exec hook runs: its argv[0], and for `sh -c SCRIPT` each simple command's
    first word that is not a shell keyword or builtin (a sketch of a shell, enough to see that
    `/opt/x/preload && until wget ...` needs `/opt/x/preload` and `wget`)."""
    if not command:
        return []
    programs = [command[0]]
    if command[0] in ("/bin/sh", "sh", "/bin/bash", "bash") and "-c" in command[1:-1]:
        script = command[command.index("-c") + 1]
        for separator in ("&&", "||", ";", "|", "\n"):
            script = script.replace(separator, "\n")
        for part in script.split("\n"):
            words = [w for w in part.split() if "=" not in w or w.startswith(("/", "."))]
            words = [w for w in words if w not in SHELL_WORDS]
            if words and not words[0].startswith("$"):
                programs.append(words[0])
    return programs


def missing_hook_program(pod: Obj, hook: str, programs: Any) -> tuple[str, str] | None:
    """(container, program) of the first exec `hook` that runs a program its container's image
    does not have (`programs(image)` → what it has), as a kubelet finds when the exec fails."""
    for c in (pod.get("spec") or {}).get("containers") or []:
        command = (((c.get("lifecycle") or {}).get(hook) or {}).get("exec") or {}).get("command")
        if not command:
            continue
        have = programs(c.get("image", ""))
        for program in hook_programs(list(command)):
            if program not in have and program.rsplit("/", 1)[-1] not in have:
                return c["name"], program
    return None


def ready_after(pod: Obj) -> float:
    explicit = annotation_seconds(pod, "ready-after-seconds")
    if explicit is not None:
        return explicit
    delays = [
        float(((c.get("readinessProbe") or {}).get("initialDelaySeconds")) or 0)
        for c in (pod.get("spec") or {}).get("containers") or []
    ]
    return max(delays, default=0.0)


def quantity(value: Any) -> float:
    """CPU in cores or memory in bytes from a Kubernetes quantity string."""
    if value is None:
        return 0.0
    text = str(value)
    units = {
        "m": 1e-3,
        "Ki": 2**10,
        "Mi": 2**20,
        "Gi": 2**30,
        "Ti": 2**40,
        "k": 1e3,
        "M": 1e6,
        "G": 1e9,
        "T": 1e12,
    }
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * units[suffix]
    return float(text)


def pod_requests(pod: Obj) -> tuple[float, float]:
    cpu = mem = 0.0
    for c in (pod.get("spec") or {}).get("containers") or []:
        req = (c.get("resources") or {}).get("requests") or {}
        cpu += quantity(req.get("cpu"))
        mem += quantity(req.get("memory"))
    return cpu, mem


def node_ready(node: Obj) -> bool:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def tolerated(taint: Obj, tolerations: list[Obj]) -> bool:
    for tol in tolerations:
        if tol.get("operator") == "Exists" and (not tol.get("key") or tol["key"] == taint["key"]):
            return True
        if (
            tol.get("key") == taint.get("key")
            and tol.get("value") == taint.get("value")
            and tol.get("effect") in (None, "", taint.get("effect"))
        ):
            return True
    return False


def host_ip(node: Obj) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == "InternalIP":
            return str(address["address"])
    return "127.0.0.1"


def condition_reason(pod: Obj, type_: str) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            reason = cond.get("reason")
            return str(reason) if reason is not None else None
    return None


def set_condition(
    status: Obj, type_: str, value: str, reason: str | None = None, message: str | None = None
) -> None:
    conditions = status.setdefault("conditions", [])
    for cond in conditions:
        if cond["type"] == type_:
            if cond.get("status") != value:
                cond["lastTransitionTime"] = now_iso()
            cond["status"] = value
            if reason:
                cond["reason"] = reason
            else:
                cond.pop("reason", None)
            if message:
                cond["message"] = message
            return
    cond = {"type": type_, "status": value, "lastProbeTime": None, "lastTransitionTime": now_iso()}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    conditions.append(cond)


def container_status(container: Obj, *, ready: bool, restarts: int, previous: Obj) -> Obj:
    started_at = ((previous.get("state") or {}).get("running") or {}).get("startedAt") or now_iso()
    status: Obj = {
        "name": container["name"],
        "image": container.get("image", ""),
        "imageID": f"docker-pullable://{container.get('image', '')}",
        "containerID": f"containerd://{abs(hash((container['name'], started_at))):x}",
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "state": {"running": {"startedAt": started_at}},
    }
    if previous.get("lastState"):
        status["lastState"] = previous["lastState"]
    return status
