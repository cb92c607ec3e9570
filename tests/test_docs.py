"""The README matches the code: every setting documented, the two Quick start commands exist."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

from flotilla_devstack.stack import SERVICES
from flotilla_runtime.settings import FullServiceSettings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_every_service_setting_is_in_the_configuration_table() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README, flags=re.M))
    fields = {name.upper() for name in FullServiceSettings.model_fields}
    assert fields <= documented, f"undocumented settings: {sorted(fields - documented)}"


def test_each_services_own_settings_are_documented_with_their_prefix() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README, flags=re.M))
    shared = set(FullServiceSettings.model_fields)
    for service in SERVICES:
        module = importlib.import_module(f"{service.name.replace('-', '_')}.settings")
        own = set(module.Settings.model_fields) - shared
        missing = {f"{service.env_prefix}{name.upper()}" for name in own} - documented
        assert not missing, f"{service.name}: undocumented settings {sorted(missing)}"


def test_quick_start_has_exactly_the_two_commands() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["./flotilla up", "./flotilla test"]
    assert os.access(ROOT / "flotilla", os.X_OK)
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./flotilla test" in ci
