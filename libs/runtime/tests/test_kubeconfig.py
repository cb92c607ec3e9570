"""Kubeconfigs: inline credentials and https only, nothing that runs a program or reads a file;
Kubernetes quantities by their grammar."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from flotilla_contracts import ClusterConnection
from flotilla_runtime.kube import kubeconfig_of, quantity
from flotilla_runtime.kubeconfig import KubeconfigError, parse_kubeconfig

TOKEN = "s3cr3t-token-value"  # noqa: S105


def kubeconfig(cluster: dict[str, Any] | None = None, user: dict[str, Any] | None = None) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "ctx",
            "clusters": [
                {"name": "other", "cluster": {"server": "https://other:6443"}},
                {
                    "name": "c",
                    "cluster": cluster
                    or {"server": "https://10.0.0.1:6443", "certificate-authority-data": "Q0E="},
                },
            ],
            "users": [{"name": "u", "user": user or {"token": TOKEN}}],
            "contexts": [
                {"name": "ctx", "context": {"cluster": "c", "user": "u", "namespace": "x"}}
            ],
        }
    )


def test_the_current_context_is_kept_and_nothing_else() -> None:
    doc = parse_kubeconfig(kubeconfig())
    assert doc["clusters"] == [
        {
            "name": "flotilla",
            "cluster": {"server": "https://10.0.0.1:6443", "certificate-authority-data": "Q0E="},
        }
    ]
    assert doc["users"] == [{"name": "flotilla", "user": {"token": TOKEN}}]
    cert = {"client-certificate-data": "Y2VydA==", "client-key-data": "a2V5"}
    assert parse_kubeconfig(kubeconfig(user=cert))["users"][0]["user"] == cert


@pytest.mark.parametrize(
    ("cluster", "user", "field"),
    [
        (None, {"exec": {"command": "/bin/sh", "args": ["-c", "id"]}}, "users[0].user.exec"),
        (None, {"auth-provider": {"name": "gcp"}}, "users[0].user.auth-provider"),
        (None, {"tokenFile": "/etc/shadow"}, "users[0].user.tokenFile"),
        (
            None,
            {"client-certificate": "/a", "client-key": "/b"},
            "users[0].user.client-certificate",
        ),
        (None, {"username": "admin", "password": "pw"}, "users[0].user.password"),
        (None, {"client-certificate-data": "Y2VydA=="}, "users[0].user"),
        (None, {"token": TOKEN, "as": "system:admin"}, "users[0].user.as"),
        (
            {"server": "https://h:6443", "certificate-authority": "/etc/ca.pem"},
            None,
            "clusters[1].cluster.certificate-authority",
        ),
        (
            {"server": "https://h:6443", "proxy-url": "http://evil:3128"},
            None,
            "clusters[1].cluster.proxy-url",
        ),
        ({"server": "http://h:6443"}, None, "clusters[1].cluster.server"),
        ({"server": "https://admin:pw@h:6443"}, None, "clusters[1].cluster.server"),
        ({"server": "https://h:6443", "insecure-skip-tls-verify": True}, None, None),
    ],
)
def test_what_runs_programs_reads_files_or_goes_elsewhere_is_refused(
    cluster: dict[str, Any] | None, user: dict[str, Any] | None, field: str | None
) -> None:
    with pytest.raises(KubeconfigError) as caught:
        parse_kubeconfig(kubeconfig(cluster, user))
    if field is not None:
        assert caught.value.field == field
        assert field in str(caught.value)


def test_a_stored_kubeconfig_is_checked_again_and_pointed_at_the_registry_address() -> None:
    """A service loading a connection re-checks the kubeconfig (one stored before the rule is
    refused too) and uses the registry's api_server, never another address in the file."""
    text = kubeconfig()
    good = ClusterConnection(
        cluster="c", idc="i", api_server="https://10.9.9.9:6443", kubeconfig=text
    )
    assert kubeconfig_of(good)["clusters"][0]["cluster"]["server"] == "https://10.9.9.9:6443"
    stored = ClusterConnection(
        cluster="c", idc="i", api_server="https://h", kubeconfig=kubeconfig(user={"exec": {}})
    )
    with pytest.raises(KubeconfigError):
        kubeconfig_of(stored)
    plain = ClusterConnection(cluster="c", idc="i", api_server="http://h:80", token=TOKEN)
    with pytest.raises(KubeconfigError, match="https"):
        kubeconfig_of(plain)


def test_a_yaml_error_never_echoes_the_text() -> None:
    broken = f"users:\n- user:\n    token: {TOKEN}\n   bad: [unclosed\n"
    with pytest.raises(KubeconfigError) as caught:
        parse_kubeconfig(broken)
    assert TOKEN not in str(caught.value)
    assert "line" in str(caught.value)
    with pytest.raises(KubeconfigError) as caught:
        parse_kubeconfig(f'token: "{TOKEN}\\q"')  # an escape error names the character
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", 0.25),
        ("1.5", 1.5),
        ("512Mi", 512 * 2**20),
        ("2G", 2e9),
        ("1E", 1e18),
        ("1P", 1e15),
        ("1Ei", 2.0**60),
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("100n", 1e-7),
        (".5", 0.5),
        ("+2k", 2000.0),
    ],
)
def test_quantities_follow_the_kubernetes_grammar(text: str, value: float) -> None:
    assert quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1x", "1e", "e3", "1Kii", "1e400", "1 Gi", "NaN"])
def test_anything_else_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="quantity|range"):
        quantity(text)
