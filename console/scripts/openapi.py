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
from pathlib import Path

from flotilla_devstack.openapi import documents

TARGET = Path(__file__).resolve().parents[1] / "openapi"


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    TARGET.mkdir(exist_ok=True)
    for service, document in documents().items():
        (TARGET / f"{service}.json").write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
