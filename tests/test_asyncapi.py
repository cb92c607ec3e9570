"""docs/asyncapi/flotilla.yaml is what flotilla_contracts says, and a valid AsyncAPI 3.0
document by the AsyncAPI initiative's parser (@asyncapi/parser, from the npm registry)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from flotilla_contracts.events import ALL_PAYLOADS
from flotilla_contracts.schemas import schema_id
from flotilla_devstack.asyncapi import TARGET, document
from flotilla_devstack.console import npm_install

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT / "tools" / "devstack" / "asyncapi"


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    npm_install(VALIDATOR, what="the AsyncAPI validator")
    node = shutil.which("node") or "node"
    return subprocess.run(
        [node, "validate.mjs", str(path)], cwd=VALIDATOR, capture_output=True, text=True
    )


def test_the_document_is_current() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flotilla_devstack.asyncapi", "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_every_event_type_is_a_message_of_its_topic() -> None:
    doc = document()
    by_address = {c["address"]: c for c in doc["channels"].values()}
    messages = doc["components"]["messages"]
    for model in ALL_PAYLOADS:
        channel = by_address[model.topic]
        (name,) = [
            n
            for n, m in messages.items()
            if m["name"] == model.event_type and n in channel["messages"]
        ]
        message = messages[name]
        assert message["bindings"]["kafka"]["key"]["description"]
        (example,) = message["examples"]
        assert example["headers"]["ce_dataschema"] == schema_id(model.event_type)
        model.model_validate(example["payload"])


def test_it_is_valid_asyncapi_and_the_validator_catches_a_broken_one(tmp_path: Path) -> None:
    done = validate(TARGET)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid AsyncAPI 3.0.0, 6 channels" in done.stdout
    broken = yaml.safe_load(TARGET.read_text())
    broken["channels"]["releases"]["messages"]["release_created"]["$ref"] = (
        "#/components/messages/nothing"
    )
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))
    done = validate(tmp_path / "broken.yaml")
    assert done.returncode == 1
    assert "nothing" in done.stdout


def test_the_cdevents_examples_pass_the_specification_schemas() -> None:
    from .cdevents_schemas import errors

    doc = document()
    names = doc["channels"]["cdevents"]["messages"]
    assert len(names) == 7
    for name in names:
        (example,) = doc["components"]["messages"][name]["examples"]
        assert errors(example["payload"]) == []
        assert example["headers"]["ce_type"] == example["payload"]["context"]["type"]
