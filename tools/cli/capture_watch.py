"""Regenerate docs/cli/release-watch.txt: `flotilla release watch` as a terminal shows it, on a
blue-green release to the local stack's three clusters in two IDCs, in two waves (tmux
`capture-pane`).

Starts its own stack on free ports (as the tests do), signs in with the development login into
a throw-away config, releases `shop` 1.0, then 2.0 blue-green under `--watch` in a 110×24 tmux
pane with a plan of two waves (a canary cluster soaked 5 s, then the rest): one capture while
the canary soaks, one after the release ended. Needs tmux (Debian: tmux).
Run: `uv run python tools/cli/capture_watch.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flotilla_devstack.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "cli" / "release-watch.txt"
FLOTILLA = str(Path(sys.executable).parent / "flotilla")
APP = """name: shop
team: commerce
type: node
replicas: {prod: 2}
app_yaml: {stack: debian-12, runtime: node-20, entrypoint: node .}
pod_annotations: {"kubesim.flotilla.io/ready-after-seconds": "2"}
"""
PLAN = """waves:
  - {name: canary, clusters: [idc-a-1], soak_s: 5}
  - {name: rest, rest: true}
"""


def pane(session: str) -> str:
    text = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=True
    ).stdout
    return text.rstrip() + "\n"


def main() -> int:
    if shutil.which("tmux") is None:
        print("tmux is needed (apt-get install tmux)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {**os.environ, "FLOTILLA_CONFIG": str(home / "config.toml"), "TERM": "xterm"}
        stack = LocalStack.on_free_ports(home / "stack", environments=("prod",))
        stack.start()
        session = f"flotilla-capture-{os.getpid()}"
        try:
            url = stack.urls["release-api"]

            def cli(*args: str) -> None:
                subprocess.run([FLOTILLA, *args], env=env, check=True, capture_output=True)

            cli("login", url, "--name", "local", "--user", "alice", "--role", "admin")
            (home / "app.yaml").write_text(APP)
            (home / "plan.yaml").write_text(PLAN)
            cli("apps", "create", "-f", str(home / "app.yaml"))
            cli("release", "create", "shop", "-e", "prod", "-i", "shop/web:1.0", "--watch")
            command = (
                f"{FLOTILLA} release create shop --env prod --image shop/web:2.0 "
                f"--strategy blue-green --plan {home / 'plan.yaml'} --watch; sleep 30"
            )
            subprocess.run(
                [
                    "tmux",
                    "new-session",
                    "-d",
                    "-s",
                    session,
                    "-x",
                    "110",
                    "-y",
                    "24",
                    "-e",
                    f"FLOTILLA_CONFIG={env['FLOTILLA_CONFIG']}",
                    command,
                ],
                check=True,
            )
            deadline = time.monotonic() + 60
            waiting = ""
            while time.monotonic() < deadline:
                waiting = pane(session)
                if "soak until" in waiting:
                    break
                time.sleep(0.5)
            time.sleep(2)  # the elapsed clocks move
            waiting = pane(session)
            final = ""
            while time.monotonic() < deadline + 60:
                final = pane(session)
                if "of shop to prod:" in final and "after" in final:
                    break
                time.sleep(0.5)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
            stack.stop()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        "# `flotilla release create shop --env prod --image shop/web:2.0 --strategy blue-green\n"
        "#   --plan plan.yaml --watch`, captured by tools/cli/capture_watch.py\n"
        "# (tmux capture-pane, 110 columns; colours dropped). plan.yaml:\n#\n"
        + "".join(f"#   {line}\n" for line in PLAN.splitlines())
        + "\n## while the canary soaks\n\n"
        + waiting.rstrip()
        + "\n\n## at the end\n\n"
        + final.rstrip()
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
