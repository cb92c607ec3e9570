"""Build the web console (console/, React + Vite) for the local stack and the browser tests.

`npm ci` when node_modules is missing or older than package-lock.json (npm keeps its download
cache in ~/.npm, reused by later runs on the machine), then `npm run build` (type check and
Vite) when dist/ is older than any source. Both are skipped when nothing changed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from flotilla_devstack.procs import StartError

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's; never downloaded
# What this machine's closed network needs (no background connections), headless, as root.
CHROMIUM_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SOURCES = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
)


def _newest(paths: list[Path]) -> float:
    stamps = [
        p.stat().st_mtime for root in paths if root.exists() for p in [root, *root.rglob("*")]
    ]
    return max(stamps, default=0.0)


def build_console(root: Path, progress: Callable[[str], None] = lambda line: None) -> Path:
    """console/dist, built if needed; StartError when npm is missing or the build fails."""
    console = root / "console"
    npm = npm_install(console, progress, what="the web console")
    dist = console / "dist" / "index.html"
    if not dist.exists() or dist.stat().st_mtime < _newest([console / s for s in SOURCES]):
        progress("building the web console (tsc, vite build)")
        _run([npm, "run", "--silent", "build"], console)
    return console / "dist"


def npm_install(
    project: Path, progress: Callable[[str], None] = lambda line: None, *, what: str
) -> str:
    """`npm ci` in `project` when its node_modules is missing or older than its lockfile;
    returns npm's path (StartError when there is no npm, or the install fails)."""
    npm = shutil.which("npm")
    if npm is None:
        raise StartError(f"npm is needed for {what} (Node.js 20 and npm)")
    modules = project / "node_modules"
    if (
        not modules.exists()
        or modules.stat().st_mtime < (project / "package-lock.json").stat().st_mtime
    ):
        progress(f"installing the npm packages of {what} (npm ci)")
        _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], project)
        modules.touch()
    return npm


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise StartError(f"{' '.join(argv[1:])} failed in {cwd}:\n{done.stdout}{done.stderr}")
