"""Write console/openapi/<service>.json (not committed), the four services' OpenAPI documents
as each console script prints them (`flotilla-<service> openapi`); `npm run generate` then
turns them into src/api/<service>.ts (openapi-typescript), which are committed, and
`node scripts/generate-types.mjs --check` fails when those are stale (tests/test_console.py).

After an API change, from the repository:
`uv run python console/scripts/openapi.py && npm --prefix console run generate`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SERVICES = ("release-api", "cluster-registry", "k8s-sync", "monitor-gateway")
TARGET = Path(__file__).resolve().parents[1] / "openapi"


def documents() -> dict[str, str]:
    scripts = Path(sys.executable).parent
    out = {}
    for service in SERVICES:
        done = subprocess.run(
            [str(scripts / f"flotilla-{service}"), "openapi"],
            capture_output=True,
            text=True,
            check=True,
        )
        out[f"{service}.json"] = json.dumps(json.loads(done.stdout), indent=2) + "\n"
    return out


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    TARGET.mkdir(exist_ok=True)
    for name, text in documents().items():
        (TARGET / name).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
