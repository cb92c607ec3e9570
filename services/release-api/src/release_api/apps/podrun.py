"""How an app's pods start, stop and run: lifecycle hooks and the security context.

Lifecycle hooks. Kubernetes runs an `exec` hook inside the container; a program the image does
not have fails the hook, and a failed postStart kills the container (the kubelet restarts it:
a crash loop for every pod of the app). Flotilla therefore renders no hook that runs a program
unless the app's spec names it, and a spec that names one must also list it in
`lifecycle.image_commands`, the programs its image provides. The check catches the typo and the
copied example; it cannot look inside an image, so the list is the app owner's word.

What every app gets without a program of its own:
- going online is readiness: k8s-sync routes only Ready endpoints, and a rollout waits until
  the ingress holds exactly the new pods (release_api.rollouts.hold);
- going offline is the preStop `sleep` action (the kubelet sleeps; no binary), long enough for
  the ingress to stop sending (the measured propagation plus a margin) before SIGTERM. The
  action is beta and on by default since Kubernetes 1.30 (KEP-3960, feature gate
  PodLifecycleSleepAction, GA in 1.34); an older API server does not know it, so there the pod
  gets no preStop and relies on Flotilla moving the ingress off a pod before its Deployment is
  scaled down (the hold), which covers releases but not a node drain.
An app's own `pre_stop` replaces the sleep and gets FLOTILLA_DRAIN_SECONDS in its environment:
it must wait that long itself.

Specs written before this change carried `preload`/`online`/`offline`/`stop` shell snippets
(defaults under /opt/flotilla/bin, which no image had). They are still read: the defaults are
dropped, snippets someone wrote are kept as `/bin/sh -c` hooks with `/bin/sh` declared.

Security context. Every container runs as Pod Security "restricted" asks
(https://kubernetes.io/docs/concepts/security/pod-security-standards/): not as root,
no privilege escalation, every capability dropped, seccomp RuntimeDefault. An app that must run
as root says so and why (`security.run_as_root`, `security.reason`); it is then "baseline", and
a release refuses to place it in an environment whose policy enforces "restricted".
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from flotilla_runtime.params import JsonInt

Strict = ConfigDict(extra="forbid")

Arg = Annotated[str, Field(min_length=1, max_length=1024, pattern=r"^[^\x00]+$")]
Program = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[^\s\x00]+$")]
Command = Annotated[list[Arg], Field(min_length=1, max_length=32)]

LEGACY_DEFAULTS = {
    "preload": "/opt/flotilla/bin/preload",
    "online": "/opt/flotilla/bin/online",
    "offline": "/opt/flotilla/bin/offline",
    "stop": "/opt/flotilla/bin/stop",
}
SHELL = "/bin/sh"


def _from_legacy(data: dict[str, Any]) -> dict[str, Any]:
    """A stored spec of the shell-snippet kind, read as hooks (see the module's text)."""
    snippets = {k: data.pop(k) for k in list(LEGACY_DEFAULTS) if k in data}
    custom = {k: v for k, v in snippets.items() if v and v != LEGACY_DEFAULTS[k]}
    if not custom:
        return data
    start = [custom[k] for k in ("preload", "online") if k in custom]
    if start and "post_start" not in data:
        data["post_start"] = [SHELL, "-c", " && ".join(start)]
    if ("offline" in custom or "stop" in custom) and "pre_stop" not in data:
        steps = [custom.get("offline"), 'sleep "$FLOTILLA_DRAIN_SECONDS"', custom.get("stop")]
        data["pre_stop"] = [SHELL, "-c", "; ".join(s for s in steps if s)]
    declared = list(data.get("image_commands") or [])
    data["image_commands"] = declared if SHELL in declared else [*declared, SHELL]
    return data


class Lifecycle(BaseModel):
    """Hooks: none of the app's own unless named (see release_api.apps.podrun)."""

    model_config = Strict

    image_commands: list[Program] = Field(
        default_factory=list,
        max_length=32,
        description="the programs the app's image provides that its hooks run; a hook whose "
        "program is not listed is refused",
        examples=[["/app/bin/warm-cache"]],
    )
    post_start: Command | None = Field(
        None,
        description="run by the kubelet right after the container starts (exec, no shell); "
        "the pod is not Ready until it ends, and a failure restarts the container",
        examples=[["/app/bin/warm-cache", "--quick"]],
    )
    pre_stop: Command | None = Field(
        None,
        description="run before SIGTERM instead of the drain sleep; it gets "
        "FLOTILLA_DRAIN_SECONDS and must wait that long itself",
    )
    drain_extra_s: JsonInt = Field(
        0, ge=0, le=300, description="added to the measured ingress propagation in preStop"
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        return _from_legacy(dict(data)) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _declared(self) -> Self:
        for field in ("post_start", "pre_stop"):
            command = getattr(self, field)
            if command and command[0] not in self.image_commands:
                raise ValueError(
                    f"{field} runs {command[0]!r}, which image_commands does not list: name "
                    "the programs your image provides (a hook whose program is missing kills "
                    "the container on a real kubelet)"
                )
        return self


class Security(BaseModel):
    """How the app's containers run (Pod Security "restricted" unless said otherwise)."""

    model_config = Strict

    run_as_root: StrictBool = Field(
        False, description="the image must run as root (the pod is then Pod Security baseline)"
    )
    reason: str | None = Field(
        None, min_length=3, max_length=500, description="why, required with run_as_root"
    )

    @model_validator(mode="after")
    def _reason(self) -> Self:
        if self.run_as_root and not self.reason:
            raise ValueError("run_as_root needs a reason (it is shown to whoever approves it)")
        return self

    @property
    def level(self) -> str:
        """The Pod Security level the rendered pods meet."""
        return "baseline" if self.run_as_root else "restricted"


def container_context(security: Security) -> dict[str, Any]:
    """A container's securityContext: restricted unless the app runs as root."""
    context: dict[str, Any] = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
    }
    if not security.run_as_root:
        context["runAsNonRoot"] = True
    return context


def pod_context(security: Security) -> dict[str, Any]:
    context: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}
    if not security.run_as_root:
        context["runAsNonRoot"] = True
    return context
