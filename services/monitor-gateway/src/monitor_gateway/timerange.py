"""The time range of a log or metric query, as its parameters name it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flotilla_runtime.errors import BadRequest


def time_range(
    start: datetime | None,
    end: datetime | None,
    *,
    names: tuple[str, str],
    max_span: timedelta | None = None,
) -> tuple[datetime, datetime]:
    """(start, end): the end defaults to now and the start to an hour before it; both need a
    time zone, the start must come first and the span be at most `max_span` (`names` are the
    parameters' names, for errors)."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(hours=1)
    if start.tzinfo is None or end.tzinfo is None:
        raise BadRequest(f"{names[0]} and {names[1]} need a time zone (e.g. 2026-11-27T10:00:00Z)")
    if start >= end:
        raise BadRequest(f"{names[0]} must be before {names[1]}")
    if max_span is not None and end - start > max_span:
        raise BadRequest(
            f"{names[0]} to {names[1]} spans more than {max_span.total_seconds() / 3600:g} h; "
            "ask for a shorter range"
        )
    return start, end
