"""Freeze windows: which one is in force, and which windows are refused before they are stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def test_the_last_second_of_a_minute_is_inside_a_window_that_started_at_its_first() -> None:
    # CI found it: at hh:mm:59.7 the latest start looked like the next minute's (after `at`).
    every_minute = FreezeWindow(name="incident", cron="* * * * *", duration_s=3600, reason="x")
    for at in (
        datetime(2026, 12, 5, 2, 54, 59, 735859, tzinfo=UTC),
        datetime(2026, 12, 5, 2, 55, 0, tzinfo=UTC),
        datetime(2026, 12, 5, 2, 55, 0, 1, tzinfo=UTC),
    ):
        frozen = in_force([every_minute], at)
        assert frozen is not None, at
        assert frozen.until - at <= timedelta(hours=1)
    sharp = FreezeWindow(name="noon", cron="0 12 * * *", duration_s=60, reason="x")
    assert in_force([sharp], datetime(2026, 12, 5, 11, 59, 59, 999999, tzinfo=UTC)) is None
    assert in_force([sharp], datetime(2026, 12, 5, 12, 0, 59, 999999, tzinfo=UTC)) is not None
    assert in_force([sharp], datetime(2026, 12, 5, 12, 1, 0, tzinfo=UTC)) is None


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
