"""Every event payload model as JSON Schema, shipped inside this package.

`flotilla_contracts/jsonschema/<type>.json` is in the wheel: `load(event_type)` reads one (with
importlib.resources, so it works from a zip too), and each event's `ce_dataschema` header is
its schema's `$id` (`schema_id`), so a consumer in any language can find the schema of what it
received. `flotilla-contracts-schemas` rewrites the files from the models; `--check` exits 1
when the checked-in files differ, so stale schemas fail the tests and CI.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any, cast

from flotilla_contracts.events import ALL_PAYLOADS, EventPayload

DEFAULT_DIR = Path(__file__).resolve().parent / "jsonschema"
ID_BASE = "https://flotilla.io/schemas/"


def schema_id(event_type: str) -> str:
    """The `$id` of an event type's schema, and the `dataschema` of its events."""
    return f"{ID_BASE}{event_type}.json"


def load(event_type: str) -> dict[str, Any]:
    """The packaged JSON Schema of `event_type` (KeyError when there is none)."""
    entry = resources.files("flotilla_contracts") / "jsonschema" / f"{event_type}.json"
    if not entry.is_file():
        raise KeyError(event_type)
    return cast(dict[str, Any], json.loads(entry.read_text()))


def schema_of(model: type[EventPayload]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="serialization")
    schema["$id"] = schema_id(model.event_type)
    schema["x-cloudevent-type"] = model.event_type
    schema["x-kafka-topic"] = model.topic
    return schema


def rendered() -> dict[str, str]:
    """File name → exact file text for every event model."""
    return {
        f"{model.event_type}.json": json.dumps(schema_of(model), indent=2, sort_keys=True) + "\n"
        for model in ALL_PAYLOADS
    }


def stale_files(directory: Path) -> list[str]:
    """Names of schema files that are missing, different or no longer produced."""
    want = rendered()
    have = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    stale = [
        n
        for n, text in want.items()
        if not (directory / n).is_file() or (directory / n).read_text() != text
    ]
    stale += sorted(have - want.keys())
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.dir)
        for name in stale:
            sys.stderr.write(f"stale schema: {args.dir / name}\n")
        return 1 if stale else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    want = rendered()
    for old in args.dir.glob("*.json"):
        if old.name not in want:
            old.unlink()
    for name, text in want.items():
        (args.dir / name).write_text(text)
    sys.stdout.write(f"wrote {len(want)} schemas to {args.dir}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
