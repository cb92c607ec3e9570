"""Contexts: the file's mode, its round trip, and the environment overrides."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from flotilla_cli.config import Config, Context
from flotilla_cli.errors import CliError, Exit


def test_contexts_are_kept_readable_by_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "flotilla" / "config.toml"
    config = Config(path)
    config.contexts["prod"] = Context(
        name="prod",
        url="https://flotilla.example.com",
        token="secret-token",
        subject="alice",
        services={"cluster-registry": "https://registry.example.com"},
    )
    config.current = "prod"
    config.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Config.load(path)
    assert again.current == "prod"
    assert again.contexts["prod"] == config.contexts["prod"]
    urls = again.contexts["prod"].urls()
    assert urls["release-api"] == "https://flotilla.example.com"
    assert urls["cluster-registry"] == "https://registry.example.com"


def test_the_environment_overrides_the_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(tmp_path / "c.toml")
    config.contexts["local"] = Context(name="local", url="http://127.0.0.1:8080", token="a")
    config.current = "local"
    monkeypatch.setenv("FLOTILLA_TOKEN", "from-env")
    assert config.resolve(None).bearer() == "from-env"
    monkeypatch.setenv("FLOTILLA_URL", "http://127.0.0.1:9080")
    context = config.resolve(None)
    assert context.url == "http://127.0.0.1:9080"
    assert context.urls()["k8s-sync"] == "http://127.0.0.1:9082"  # the local stack's layout
    with pytest.raises(CliError) as raised:
        config.resolve("staging")
    assert raised.value.code == Exit.USAGE
    monkeypatch.delenv("FLOTILLA_URL")
    monkeypatch.delenv("FLOTILLA_TOKEN")
    empty = Config(tmp_path / "none.toml")
    with pytest.raises(CliError, match="no Flotilla to talk to"):
        empty.resolve(None)


def test_a_token_file_is_read_each_time(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("one\n")
    context = Context(name="ci", url="https://x.example.com", token_file=str(token))
    assert context.bearer() == "one"
    token.write_text("two\n")
    assert context.bearer() == "two"
