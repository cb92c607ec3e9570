"""The rollout state as stored: typed on read, checked on write, minimal in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from flotilla_contracts.enums import Stage
from release_api.rollouts.state import RolloutProgress, RunOptions, with_changes


def test_changes_merge_and_read_back_typed() -> None:
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    stored = with_changes(None, {"live": Stage.BLUE, "idle": Stage.GREEN})
    stored = with_changes(stored, {"switched": True, "scale_down_at": at})
    assert stored == {
        "live": "blue",
        "idle": "green",
        "switched": True,
        "scale_down_at": "2026-12-02T12:00:00Z",
    }
    progress = RolloutProgress.of(stored)
    assert (progress.live, progress.idle, progress.scale_down_at) == (Stage.BLUE, Stage.GREEN, at)
    assert progress.step == "gray"
    assert progress.scaled_down is None


def test_a_default_is_not_stored_so_queries_can_test_for_a_key() -> None:
    stored = with_changes({"scale_down_at": "2026-12-02T12:00:00Z"}, {"scale_down_at": None})
    assert "scale_down_at" not in stored
    assert with_changes(None, {"live": None, "switched": False}) == {}


def test_a_misspelt_key_or_a_wrong_value_is_refused() -> None:
    typo: Any = {"swiched": True}
    with pytest.raises(ValidationError, match="swiched"):
        with_changes(None, typo)
    with pytest.raises(ValidationError, match="idle"):
        RolloutProgress.of({"idle": "purple"})
    with pytest.raises(ValidationError, match="promoted"):
        RunOptions.of({"promoted": "not a bool"})


def test_options_assignment_is_validated() -> None:
    options = RunOptions.of({"timeout_s": 30})
    options.abort_requested = True
    assert RunOptions.of(options.stored()).abort_requested
    with pytest.raises(ValidationError):
        options.timeout_s = "soon"  # type: ignore[assignment]
