"""What a release and each of its rollouts remember between steps, typed.

Both are stored as JSON (`releases.options`, `rollouts.progress`) and read back through these
models, so a key that is misspelt, or a value of the wrong type, fails loudly where it is
written or read instead of changing a rollout's course silently. Writes name their changes as
keyword arguments checked by mypy (`ProgressChanges`) and are validated again by the model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict

from flotilla_contracts.enums import Stage


class RunOptions(BaseModel):
    """A release's options as the runner reads them (`releases.options`): what was asked, the
    strategy's defaults made explicit, and what operators did since (promote, abort)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    replicas: int | None = None
    timeout_s: float = 600
    debug: bool = False
    promote: Literal["auto", "manual"] = "manual"
    auto_promote_s: float | None = None  # None: wait for a manual promote
    scale_down_delay_s: float = 30
    gray_replicas: int | None = None
    gray_percent: float | None = None
    gray_weight: int | None = None
    template_release: str | None = None  # the release whose pod template this one reuses
    rollback_of: str | None = None
    promoted: bool = False
    abort_requested: bool = False
    rollback_all: bool = False  # with abort: put back the clusters that had succeeded too

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> RunOptions:
        return cls.model_validate(stored or {})

    def stored(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class RolloutProgress(BaseModel):
    """One cluster's progress (`rollouts.progress`). Absent keys are their defaults; a key is
    stored only when it differs from its default, so queries may test for it (`scale_down_at`,
    `scaled_down`)."""

    model_config = ConfigDict(extra="forbid")

    # blue-green: the colour live before this release (None: stable, or nothing yet), the
    # colour it deploys, and whether the Service was switched to it
    live: Stage | None = None
    idle: Stage | None = None
    switched: bool = False
    scale_down_at: datetime | None = None  # when the old colour goes
    scaled_down: datetime | None = None
    # gray: the gray stage first, then the stable one
    step: Literal["gray", "stable"] = "gray"
    # stable rolled out while a colour is live: switch the Service once stable is ready
    switch_to_stable: bool = False
    promote_wait_from: datetime | None = None
    sync_failed: str | None = None  # k8s-sync reported it cannot apply this cluster
    held: str | None = None  # why the Deployment is paused: the ingress is not following
    # the Deployment's last status seen (shown by the API; `seen` is what was reported)
    desired: int | None = None
    updated: int | None = None
    ready: int | None = None
    message: str | None = None
    seen: list[int] | None = None

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> RolloutProgress:
        return cls.model_validate(stored or {})


class ProgressChanges(TypedDict, total=False):
    """What one write changes in a RolloutProgress (None removes a key)."""

    live: Stage | None
    idle: Stage | None
    switched: bool
    scale_down_at: datetime | None
    scaled_down: datetime | None
    step: Literal["gray", "stable"]
    switch_to_stable: bool
    promote_wait_from: datetime | None
    sync_failed: str | None
    held: str | None
    desired: int | None
    updated: int | None
    ready: int | None
    message: str | None
    seen: list[int] | None


def with_changes(stored: dict[str, Any] | None, changes: ProgressChanges) -> dict[str, Any]:
    """`stored` with `changes` applied, validated, as stored again."""
    merged = RolloutProgress.of(stored).model_dump() | dict(changes)
    return RolloutProgress.model_validate(merged).model_dump(mode="json", exclude_defaults=True)
