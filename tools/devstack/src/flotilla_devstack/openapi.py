"""The four services' OpenAPI documents as their console scripts print them
(`flotilla-<service> openapi`): what the CLI's typed client (tools/cli/generate.py) and the
console's (console/scripts/openapi.py) are generated from. The generators read the services'
published contract; they do not import the services."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SERVICES = ("release-api", "cluster-registry", "k8s-sync", "monitor-gateway")


def documents() -> dict[str, dict[str, Any]]:
    """Service name → its OpenAPI document, from this environment's console scripts."""
    scripts = Path(sys.executable).parent
    out = {}
    for service in SERVICES:
        done = subprocess.run(
            [str(scripts / f"flotilla-{service}"), "openapi"],
            capture_output=True,
            text=True,
            check=True,
        )
        out[service] = json.loads(done.stdout)
    return out
