"""Install one of the project's packages into a fresh venv that sees only its declared
dependencies (plus `extra` ones), as an outside user's `pip install` would: proof that it
stands alone. Offline: the package is built here, its dependencies' files are linked from
this environment (no index is needed), and nothing of the workspace comes along."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path


def declared(project: Path) -> set[str]:
    """The distribution names a pyproject.toml's [project] depends on."""
    spec = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    names = set()
    for dependency in spec.get("dependencies", []):
        name = dependency.split(";")[0].split("[")[0]
        for cut in "<>=!~ (":
            name = name.split(cut)[0]
        names.add(name.strip())
    return names


def closure(names: Iterable[str]) -> set[str]:
    """The distributions `names` need, transitively (as installed here)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # a dependency of another Python version's
            continue
        seen.add(key)
        for req in requires:
            if "extra ==" in req:
                continue
            dep = req.split(";")[0].split("[")[0]
            for cut in "<>=!~ (":
                dep = dep.split(cut)[0]
            todo.append(dep.strip())
    return seen


def install_alone(project: Path, where: Path, *, extra: Iterable[str] = ()) -> Path:
    """Build `project`'s wheel, install it into a venv under `where`, put its dependencies
    (and `extra`) on that venv's path; returns the venv's python."""
    subprocess.run(
        ["uv", "build", "--offline", "-q", "--wheel", str(project), "-o", str(where / "dist")],
        check=True,
    )
    [wheel] = (where / "dist").glob("*.whl")
    venv = where / "venv"
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        ["uv", "pip", "install", "-q", "--offline", "--no-deps", "--python", str(python), wheel],
        check=True,
    )
    deps = where / "deps"
    deps.mkdir()
    for dist_name in sorted(closure(declared(project) | set(extra))):
        dist = metadata.distribution(dist_name)
        for top in {Path(str(f)).parts[0] for f in dist.files or []}:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (deps / top).exists():
                (deps / top).symlink_to(source)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "deps.pth").write_text(str(deps) + "\n")
    return python
