"""The typed client is the services' OpenAPI documents, and the package stands alone."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from flotilla_devstack.alone import declared, install_alone

CLI = Path(__file__).resolve().parents[1]
PACKAGE = CLI / "src" / "flotilla_cli"


def test_the_generated_client_matches_the_openapi_documents() -> None:
    done = subprocess.run(
        [sys.executable, str(CLI / "generate.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_stale_client(tmp_path: Path) -> None:
    stale = tmp_path / "operations"
    shutil.copytree(PACKAGE / "operations", stale)
    module = stale / "k8s_sync.py"
    module.write_text(module.read_text().replace("def sync_clusters(", "def old_sync_clusters("))
    done = subprocess.run(
        [sys.executable, str(CLI / "generate.py"), "--check", "--target", str(stale)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "(k8s_sync.py)" in done.stderr


def _declared() -> set[str]:
    return declared(CLI)


def test_the_package_imports_only_the_standard_library_and_its_dependencies() -> None:
    allowed = {"flotilla_cli", "click", "rich", "httpx", "yaml", "tomli_w", "__future__"}
    assert _declared() == {"click", "rich", "httpx", "pyyaml", "tomli-w"}
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    foreign = {m for m in found - allowed if m not in sys.stdlib_module_names}
    assert not foreign, f"flotilla_cli imports beyond its dependencies: {foreign}"


def test_the_wheel_installs_and_runs_alone(tmp_path: Path) -> None:
    """Built and installed into a fresh venv that sees only its declared dependencies (not
    the workspace's services or libraries): it runs, and explains an unreachable server."""
    python = install_alone(CLI, tmp_path)
    venv = python.parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOTILLA_")}
    env["FLOTILLA_CONFIG"] = str(tmp_path / "config.toml")
    env["PYTHONPATH"] = ""
    flotilla = venv / "bin" / "flotilla"
    version = subprocess.run([flotilla, "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0, version.stderr
    assert "flotilla, version" in version.stdout
    alone = subprocess.run(
        [python, "-c", "import flotilla_runtime"], capture_output=True, text=True, env=env
    )
    assert alone.returncode != 0  # nothing of the workspace came along
    env["FLOTILLA_URL"] = "http://127.0.0.1:9"
    down = subprocess.run([flotilla, "apps", "list"], capture_output=True, text=True, env=env)
    assert down.returncode == 5, down.stderr
    assert "cannot reach release-api" in down.stderr
