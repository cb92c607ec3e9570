"""Failure knobs: what a test turns on to make a cluster, a node, an image or a pod misbehave."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from kubesim.config import ClusterConfig

OutageMode = Literal["refuse", "503", "hang"]
OUTAGE_MODES: tuple[str, ...] = ("refuse", "503", "hang")
POD_FAULTS: tuple[str, ...] = (
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "OOMKilled",
    "NeverReady",
    "SlowStart",
    "CrashLater",
)


# Every simulated image has a POSIX shell, as the base images apps are built on do.
BASE_PROGRAMS: tuple[str, ...] = ("/bin/sh", "sh")


@dataclass
class InjectedError:
    """Answer `count` requests of `verb` (on `resource`, or any) with `code`."""

    verb: str
    code: int
    resource: str | None = None
    count: int = 1

    def matches(self, verb: str, resource: str) -> bool:
        return self.count > 0 and self.verb in (verb, "*") and self.resource in (None, resource)


@dataclass
class HttpFault:
    """How a pod's HTTP listener misbehaves: a share of its answers are 500s, and every answer
    waits `latency_s` more. Matched by the pod's image (or `prefix*`) or its version label."""

    error_ratio: float = 0.0
    latency_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.error_ratio <= 1.0:
            raise ValueError("error_ratio must be within [0, 1]")
        if not 0.0 <= self.latency_s <= 30.0:
            raise ValueError("latency_s must be within [0, 30]")


@dataclass
class Knobs:
    outage_mode: OutageMode | None = None
    outage_until: float = 0.0
    latency_s: float = 0.0
    errors: list[InjectedError] = field(default_factory=list)
    watch_max_s: float | None = None  # end every watch cleanly after this long
    watch_drop_after_s: float | None = None  # abort every watch (no final chunk) after this long
    image_faults: dict[str, str] = field(default_factory=dict)  # image (or prefix*) → fault
    slow_start_s: float = 5.0
    crash_later_s: float = 5.0  # CrashLater: how long after ready the container dies
    # image (or prefix*) or "version=<label value>" → how its pods answer HTTP
    http_faults: dict[str, HttpFault] = field(default_factory=dict)
    bookmark_interval_s: float = 5.0
    # image (or prefix*) → the programs it contains beside a shell (exec hooks: podspec)
    image_commands: dict[str, list[str]] = field(default_factory=dict)
    # controllers that take no work (kube-controller-manager's loop for them stuck): their
    # queue keeps filling, and they catch up when started again
    stopped_controllers: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, config: ClusterConfig) -> Knobs:
        """A cluster's knobs as its configuration starts them."""
        return cls(
            image_faults=dict(config.image_faults),
            image_commands={k: list(v) for k, v in config.image_commands.items()},
        )

    def outage(self) -> OutageMode | None:
        if self.outage_mode and time.monotonic() < self.outage_until:
            return self.outage_mode
        self.outage_mode = None
        return None

    def take_error(self, verb: str, resource: str) -> int | None:
        for rule in self.errors:
            if rule.matches(verb, resource):
                rule.count -= 1
                return rule.code
        self.errors = [r for r in self.errors if r.count > 0]
        return None

    def fault_for_image(self, image: str) -> str | None:
        if image in self.image_faults:
            return self.image_faults[image]
        for pattern, fault in self.image_faults.items():
            if pattern.endswith("*") and image.startswith(pattern[:-1]):
                return fault
        return None

    def programs(self, image: str) -> frozenset[str]:
        """What an exec hook may run in a container of `image`: a shell, and what the image
        was declared to contain."""
        found = set(BASE_PROGRAMS)
        for pattern, programs in self.image_commands.items():
            if pattern == image or (pattern.endswith("*") and image.startswith(pattern[:-1])):
                found.update(programs)
        return frozenset(found)

    def http_fault(self, image: str, version: str) -> HttpFault | None:
        """The HTTP fault a pod of this image and version has now (looked up per request, so a
        test can turn it on and off while the pod runs)."""
        if not self.http_faults:
            return None
        for key in (f"version={version}", image):
            if key in self.http_faults:
                return self.http_faults[key]
        for pattern, fault in self.http_faults.items():
            if pattern.endswith("*") and image.startswith(pattern[:-1]):
                return fault
        return None

    def describe(self) -> dict[str, Any]:
        return {
            "outage": self.outage(),
            "outage_remaining_s": max(0.0, round(self.outage_until - time.monotonic(), 2))
            if self.outage()
            else 0,
            "latency_s": self.latency_s,
            "errors": [vars(e) for e in self.errors],
            "watch_max_s": self.watch_max_s,
            "watch_drop_after_s": self.watch_drop_after_s,
            "image_faults": self.image_faults,
            "image_commands": self.image_commands,
            "http_faults": {k: vars(v) for k, v in self.http_faults.items()},
            "stopped_controllers": sorted(self.stopped_controllers),
        }
