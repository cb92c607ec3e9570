"""Logs and metrics as a terminal shows them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flotilla_cli.errors import CliError, Exit

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SPARK = "▁▂▃▄▅▆▇█"


def since_timestamp(since: str) -> str:
    """`15m` (s, m, h, d) or an ISO time → an ISO 8601 UTC timestamp."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smhd])", since.strip())
    if match:
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
        return (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()
    try:
        return datetime.fromisoformat(since).isoformat()
    except ValueError as exc:
        raise CliError(
            f"--since {since!r}: give 30s, 15m, 2h, 1d or an ISO time", Exit.USAGE
        ) from exc


def log_line(line: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(line, ensure_ascii=False)
    where = f"{line.get('cluster', '-')}/{line.get('pod', '-')}"
    level = (line.get("level") or "-").upper()
    return f"{line.get('ts', '')}  {where}  {level:<5} {line.get('message', '')}"


def sparkline(values: list[float]) -> str:
    if not values:
        return ""
    values = values[-24:]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(_SPARK[int((v - low) / span * (len(_SPARK) - 1))] for v in values)


def metric_rows(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for doc in docs:
        if not doc.get("series"):
            rows.append({"metric": doc["metric"], "series": "no data"})
        for series in doc.get("series", []):
            values = [float(point[1]) for point in series["points"]]
            labels = series.get("labels", {})
            name = "/".join(str(labels[k]) for k in ("cluster", "pod") if labels.get(k)) or "all"
            rows.append(
                {
                    "metric": doc["metric"],
                    "series": name,
                    "latest": _fmt(values[-1], doc.get("unit")) if values else None,
                    "min": _fmt(min(values), doc.get("unit")) if values else None,
                    "max": _fmt(max(values), doc.get("unit")) if values else None,
                    "trend": sparkline(values),
                }
            )
    return rows


def _fmt(value: float, unit: str | None) -> str:
    if unit == "bytes":
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024:
                return f"{value:.1f}{suffix}"
            value /= 1024
        return f"{value:.1f}PiB"
    return f"{value:.3g}"
