"""Freeze windows (flotilla_contracts.plans.FreezeWindow): checked where they are stored, and
asked whether one is in force when a release would start or move to a new wave.

A window starts at every time its cron expression matches, in its own time zone, and lasts
`duration_s`. The expression is the classic five fields — minute, hour, day of month, month,
day of week — with lists, ranges, steps and names (`0 18 * * FRI`), as cron(8) reads them;
cronsim (PyPI, the parser healthchecks.io uses) evaluates it, time zones come from the IANA
database (`zoneinfo`, with the `tzdata` package where the system has none). A wall-clock time
that a daylight-saving change skips or repeats is resolved the way cronsim resolves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from flotilla_contracts.plans import FreezeWindow


@dataclass(frozen=True)
class Frozen:
    """A window in force: which, and until when (the latest end of the windows in force)."""

    window: FreezeWindow
    until: datetime

    def describe(self) -> str:
        return (
            f"freeze window {self.window.name!r} ({self.window.reason}) until "
            f"{self.until.isoformat(timespec='minutes')}"
        )


def problem(window: FreezeWindow) -> str | None:
    """Why the window cannot be evaluated (its cron expression or time zone), or None."""
    try:
        zone = ZoneInfo(window.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {window.timezone!r} (an IANA name, e.g. Europe/Paris)"
    if len(window.cron.split()) != 5:
        return "cron needs five fields: minute hour day-of-month month day-of-week"
    try:
        next(CronSim(window.cron, datetime.now(zone)))
    except (CronSimError, StopIteration) as exc:
        return f"invalid cron expression {window.cron!r}: {exc}"
    return None


def in_force(windows: Sequence[FreezeWindow], at: datetime) -> Frozen | None:
    """The window in force at `at` (timezone-aware), or None. Windows that cannot be evaluated
    were refused where they were stored; one found here anyway is skipped."""
    found: Frozen | None = None
    for window in windows:
        if problem(window) is not None:
            continue
        zone = ZoneInfo(window.timezone)
        local = at.astimezone(zone)
        # The latest start at or before `at`: reverse iteration yields times strictly before
        # its start, so it starts at the next whole second. (Not `local + 1 s`: in the last
        # second of a minute that is the next minute, and a start there is after `at`.)
        after = local.replace(microsecond=0) + timedelta(seconds=1)
        started = next(CronSim(window.cron, after, reverse=True), None)
        if started is None:
            continue
        ends = started + timedelta(seconds=window.duration_s)
        if started <= local < ends and (found is None or ends > found.until):
            found = Frozen(window, ends)
    return found
