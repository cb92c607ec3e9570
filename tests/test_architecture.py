"""The workspace's import rules (DESIGN.md): no service imports another; libs import no service."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICE_PACKAGES = {
    "release_api": "services/release-api",
    "cluster_registry": "services/cluster-registry",
    "k8s_sync": "services/k8s-sync",
    "monitor_gateway": "services/monitor-gateway",
}


def imported_top_modules(folder: Path) -> dict[str, set[Path]]:
    """Top-level module name → files under `folder` that import it."""
    found: dict[str, set[Path]] = {}
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.relative_to(ROOT))
    return found


def test_the_walker_sees_imports() -> None:
    # Guard against a walker that finds nothing and so passes everything.
    imports = imported_top_modules(ROOT / "services" / "release-api")
    assert "flotilla_runtime" in imports
    assert "release_api" in imports


def test_no_service_imports_another_service() -> None:
    for package, folder in SERVICE_PACKAGES.items():
        imports = imported_top_modules(ROOT / folder)
        others = {p: imports[p] for p in SERVICE_PACKAGES if p != package and p in imports}
        assert not others, f"{package} imports another service: {others}"


def test_libs_and_tools_import_no_service() -> None:
    for folder in ("libs", "tools"):
        imports = imported_top_modules(ROOT / folder)
        leaked = {p: imports[p] for p in SERVICE_PACKAGES if p in imports}
        assert not leaked, f"{folder}/ imports a service: {leaked}"


def test_contracts_depend_on_pydantic_only() -> None:
    project = tomllib.loads((ROOT / "libs/contracts/pyproject.toml").read_text())["project"]
    assert [d.split(">")[0].split("=")[0] for d in project["dependencies"]] == ["pydantic"]
    imports = imported_top_modules(ROOT / "libs/contracts/src")
    third_party = set(imports) - {"flotilla_contracts", "pydantic", "__future__"}
    stdlib = set(sys.stdlib_module_names)
    assert third_party <= stdlib, f"contracts import more than pydantic: {third_party - stdlib}"


def test_runtime_never_imports_devstack_or_kubesim() -> None:
    imports = imported_top_modules(ROOT / "libs/runtime/src")
    assert "flotilla_devstack" not in imports
    assert "kubesim" not in imports
