"""One HAProxy instance's configuration on disk: numbered generations, validated, switched.

    <config_dir>/haproxy.cfg          symlink → generations/<N>/haproxy.cfg (HAProxy's `-f`)
    <config_dir>/server-state         `show servers state`, saved just before each reload
    <config_dir>/generations/<N>/     haproxy.cfg, hosts.map, apps.map, layout.json

A generation is written whole into its own directory and checked with `haproxy -c` before the
symlink moves (an atomic rename), so HAProxy only ever reads a configuration that passed the
check, and a failed one leaves the last good generation in place. The maps are referenced by
absolute path, so HAProxy and k8s-sync must see `config_dir` at the same path (a shared volume
mounted at the same place in both containers). The last few generations are kept for
inspection; older ones are removed.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from k8s_sync.ingress.config import InstancePaths, Layout, Rendered

KEEP = 4


class ConfigInvalid(Exception):
    """`haproxy -c` refused a rendered configuration; the message is HAProxy's."""


@dataclass(frozen=True)
class Generation:
    number: int
    layout: Layout
    directory: Path

    @property
    def hosts_map(self) -> Path:
        return self.directory / "hosts.map"

    @property
    def apps_map(self) -> Path:
        return self.directory / "apps.map"


def haproxy_binary() -> str:
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def write(paths: InstancePaths, generation: int, rendered: Rendered, layout: Layout) -> Generation:
    directory = paths.generation_dir(generation)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for name, text in (
        ("hosts.map", rendered.hosts_map),
        ("apps.map", rendered.apps_map),
        ("layout.json", layout.to_json()),
        ("haproxy.cfg", rendered.text),
    ):
        (directory / name).write_text(text)
    return Generation(generation, layout, directory)


async def validate(generation: Generation, *, binary: str | None = None) -> None:
    """`haproxy -c`: raises ConfigInvalid with HAProxy's alerts when it refuses the file."""
    proc = await asyncio.create_subprocess_exec(
        binary or haproxy_binary(),
        "-c",
        "-f",
        str(generation.directory / "haproxy.cfg"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        async with asyncio.timeout(60):
            output, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise ConfigInvalid("haproxy -c did not finish within 60 s") from None
    if proc.returncode != 0:
        alerts = [ln for ln in output.decode(errors="replace").splitlines() if "ALERT" in ln]
        raise ConfigInvalid("; ".join(alerts[:5]) or f"haproxy -c exited {proc.returncode}")


def switch(paths: InstancePaths, generation: Generation) -> None:
    """Point HAProxy's `-f` path at `generation` (atomic: a new symlink renamed over it)."""
    link = paths.config_link
    tmp = link.with_name(link.name + ".next")
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(generation.directory / "haproxy.cfg", link.parent), tmp)
    os.replace(tmp, link)


def current(paths: InstancePaths) -> Generation | None:
    """The generation the symlink points at, if it is one of ours and readable."""
    try:
        target = paths.config_link.resolve(strict=True)
        number = int(target.parent.name)
        layout = Layout.from_json((target.parent / "layout.json").read_text())
    except (OSError, ValueError):
        return None
    return Generation(number, layout, target.parent)


def load(paths: InstancePaths, number: int) -> Generation | None:
    directory = paths.generation_dir(number)
    try:
        layout = Layout.from_json((directory / "layout.json").read_text())
    except (OSError, ValueError):
        return None
    return Generation(number, layout, directory)


def latest_number(paths: InstancePaths) -> int:
    root = paths.config_dir / "generations"
    numbers = (
        [int(p.name) for p in root.glob("[0-9]*") if p.name.isdigit()] if root.exists() else []
    )
    return max(numbers, default=0)


def prune(paths: InstancePaths, keep_also: int) -> None:
    """Remove old generations: keep the newest KEEP and `keep_also` (the running one)."""
    root = paths.config_dir / "generations"
    numbers = sorted(int(p.name) for p in root.glob("[0-9]*") if p.name.isdigit())
    for number in numbers[:-KEEP]:
        if number != keep_also:
            shutil.rmtree(root / f"{number:06d}", ignore_errors=True)


def save_state(paths: InstancePaths, state: str) -> None:
    """Write the server-state file HAProxy's next worker loads (atomic rename)."""
    tmp = paths.state_file.with_name(paths.state_file.name + ".tmp")
    tmp.write_text(state if state.endswith("\n") else state + "\n")
    os.replace(tmp, paths.state_file)


def replace_map(path: Path, text: str) -> None:
    """Keep a generation's map file current (for a cold restart), atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
