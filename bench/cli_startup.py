"""Start-up of the CLI: `flotilla --help` (and `--version`, and `apps --help`) wall time, against
the interpreter's own start (`python -c pass`) measured in the same run.

The CLI imports click only at start (httpx, Rich and YAML when a command needs them), so its
help costs the interpreter's start plus click. Target: `--help` under 300 ms on this machine.

Keys: `help_ms_p50`, `help_ms_max`, `version_ms_p50`, `group_help_ms_p50`, `python_ms_p50`
(the baseline), `ratio` (help p50 / python p50), `runs`.
Usage: uv run python bench/cli_startup.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _stack import report

FLOTILLA = str(Path(sys.executable).parent / "flotilla")


def timed(argv: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main(quick: bool) -> None:
    runs = 10 if quick else 30
    timed([FLOTILLA, "--help"], 2)  # warm the page cache and the bytecode
    python = timed([sys.executable, "-c", "pass"], runs)
    help_ = timed([FLOTILLA, "--help"], runs)
    version = timed([FLOTILLA, "--version"], runs)
    group = timed([FLOTILLA, "release", "--help"], runs)
    p50 = statistics.median(help_)
    report(
        {
            "help_ms_p50": round(p50, 1),
            "help_ms_max": round(max(help_), 1),
            "version_ms_p50": round(statistics.median(version), 1),
            "group_help_ms_p50": round(statistics.median(group), 1),
            "python_ms_p50": round(statistics.median(python), 1),
            "ratio": round(p50 / statistics.median(python), 2),
            "runs": runs,
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)
