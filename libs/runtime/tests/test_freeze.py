"""Freeze windows: which one is in force, and which windows are refused before they are stored."""

from __future__ import annotations

from datetime import UTC, datetime

from flotilla_contracts.plans import FreezeWindow
from flotilla_runtime.freeze import in_force, problem

WEEKEND = FreezeWindow(
    name="weekend",
    cron="0 18 * * FRI",
    duration_s=62 * 3600,  # Friday 18:00 to Monday 08:00
    timezone="Europe/Paris",
    reason="no production changes over the weekend",
)


def test_a_window_is_in_force_from_its_start_for_its_duration_in_its_time_zone() -> None:
    # Friday 4 December 2026, 18:00 in Paris is 17:00 UTC.
    assert in_force([WEEKEND], datetime(2026, 12, 4, 16, 59, tzinfo=UTC)) is None
    frozen = in_force([WEEKEND], datetime(2026, 12, 4, 17, 0, tzinfo=UTC))
    assert frozen is not None
    assert frozen.window.name == "weekend"
    assert frozen.until == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris
    assert in_force([WEEKEND], datetime(2026, 12, 6, 12, 0, tzinfo=UTC)) is not None
    assert in_force([WEEKEND], datetime(2026, 12, 7, 7, 0, tzinfo=UTC)) is None
    assert "weekend" in frozen.describe()


def test_of_two_windows_in_force_the_later_end_counts() -> None:
    nightly = FreezeWindow(name="nightly", cron="0 * * * *", duration_s=3600, reason="always")
    frozen = in_force([nightly, WEEKEND], datetime(2026, 12, 5, 10, 30, tzinfo=UTC))
    assert frozen is not None
    assert frozen.window.name == "weekend"


def test_windows_that_cannot_be_evaluated_are_named() -> None:
    def window(**change: object) -> FreezeWindow:
        return WEEKEND.model_copy(update=change)

    assert problem(WEEKEND) is None
    assert "five fields" in str(problem(window(cron="0 18 * * FRI 2026")))
    assert "invalid cron expression" in str(problem(window(cron="61 18 * * *")))
    assert "invalid cron expression" in str(problem(window(cron="0 18 31 2 *")))
    assert "unknown time zone" in str(problem(window(timezone="Mars/Olympus")))
    # ... and one that slipped through is skipped, not an error
    assert in_force([window(cron="61 18 * * *")], datetime(2026, 12, 4, tzinfo=UTC)) is None
