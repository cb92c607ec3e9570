"""What an attacker who can reach cluster-registry, or register a cluster, must not get: a
program run or a file read through a kubeconfig, a token sent to an address nobody verified,
the machine's own or the cloud's metadata endpoints, another service's credentials, a start on
the repository's development key."""

from __future__ import annotations

import asyncio
import base64
import socket
from typing import Any

import pytest
import yaml

from cluster_registry.clusters.targets import TargetPolicy
from cluster_registry.errors import ApiServerRefused, ClusterUnreachable
from cluster_registry.main import main as registry_cli
from cluster_registry.settings import Settings
from flotilla_devstack.kubesim import KubesimProcess
from flotilla_runtime.settings import UnsafeSettings

from .conftest import ADMIN, VIEWER, Registry, bearer, kubeconfig_body, register, running_registry


def _with_user(kubeconfig: str, user: dict[str, Any]) -> str:
    doc = yaml.safe_load(kubeconfig)
    doc["users"][0]["user"] = user
    return yaml.safe_dump(doc)


def _token_of(kubeconfig: str) -> str:
    return str(yaml.safe_load(kubeconfig)["users"][0]["user"]["token"])


async def _audit_text(registry: Registry) -> str:
    r = await registry.http.get("/v1/audit", headers=VIEWER)
    assert r.status_code == 200, r.text
    return r.text


async def test_a_kubeconfig_that_runs_a_program_is_refused_naming_the_field(
    registry: Registry, kubesim: KubesimProcess, tmp_path: Any
) -> None:
    cluster = kubesim.clusters["idc-a"]
    marker = tmp_path / "ran"
    body = kubeconfig_body(cluster, "evil")
    body["credentials"]["kubeconfig"] = _with_user(
        cluster.kubeconfig.read_text(),
        {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": "touch",
                "args": [str(marker)],
            }
        },
    )
    r = await registry.http.post("/v1/clusters", json=body, headers=ADMIN)
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/invalid-credentials")
    assert r.json()["field"] == "users[0].user.exec"
    assert not marker.exists()
    assert await registry.count("clusters") == 0


async def test_what_is_stored_is_the_reduced_kubeconfig(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    """A kubeconfig with other contexts and users keeps only the current one, inline."""
    cluster = kubesim.clusters["idc-a"]
    doc = yaml.safe_load(cluster.kubeconfig.read_text())
    doc["users"].append({"name": "other", "user": {"exec": {"command": "/bin/true"}}})
    doc["contexts"].append({"name": "other", "context": {"cluster": cluster.name, "user": "other"}})
    body = kubeconfig_body(cluster, "kept")
    body["credentials"]["kubeconfig"] = yaml.safe_dump(doc)
    r = await registry.http.post("/v1/clusters", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    service = bearer(service=True, subject="k8s-sync")
    got = await registry.http.get("/v1/internal/clusters/kept/connection", headers=service)
    stored = yaml.safe_load(got.json()["kubeconfig"])
    assert [u["user"] for u in stored["users"]] == [
        {"token": _token_of(cluster.kubeconfig.read_text())}
    ]
    assert len(stored["contexts"]) == 1


async def test_a_malformed_kubeconfig_is_refused_without_echoing_it(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    cluster = kubesim.clusters["idc-a"]
    token = _token_of(cluster.kubeconfig.read_text())
    body = kubeconfig_body(cluster, "broken")
    body["credentials"]["kubeconfig"] = f"users:\n- user:\n    token: {token}\n   x: [unclosed\n"
    r = await registry.http.post("/v1/clusters", json=body, headers=ADMIN)
    assert r.status_code == 422
    assert token not in r.text
    assert "line" in r.json()["detail"]
    assert token not in await _audit_text(registry)


@pytest.mark.parametrize(
    "server",
    ["http://{host}", "https://admin:pw@{host}"],
    ids=["plain-http", "userinfo"],
)
async def test_only_https_without_credentials_in_the_url(
    registry: Registry, kubesim: KubesimProcess, server: str
) -> None:
    cluster = kubesim.clusters["idc-a"]
    host = cluster.url.removeprefix("https://")
    r = await registry.http.post(
        "/v1/clusters",
        json=kubeconfig_body(cluster, "plain", api_server=server.format(host=host)),
        headers=ADMIN,
    )
    assert r.status_code == 422, r.text
    assert await registry.count("clusters") == 0


@pytest.mark.parametrize(
    "address",
    ["169.254.169.254", "[fe80::1]", "100.100.100.200", "0.0.0.1"],
    ids=["metadata", "ipv6-link-local", "alibaba-metadata", "this-network"],
)
async def test_metadata_and_link_local_addresses_are_refused(
    registry: Registry, kubesim: KubesimProcess, address: str
) -> None:
    cluster = kubesim.clusters["idc-a"]
    r = await registry.http.post(
        "/v1/clusters",
        json=kubeconfig_body(cluster, "meta", api_server=f"https://{address}:443"),
        headers=ADMIN,
    )
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("/api-server-refused")
    assert await registry.count("clusters") == 0


async def test_loopback_needs_an_explicit_allowance(
    postgres_url: str, kafka_bootstrap: str, kubesim: KubesimProcess
) -> None:
    """Development mode allows loopback (kubesim) only while no network is listed; a listed
    network replaces that allowance — and a name resolving to loopback is loopback."""
    cluster = kubesim.clusters["idc-a"]
    async with running_registry(
        postgres_url, kafka_bootstrap, allowed_api_networks=["10.0.0.0/8"]
    ) as strict:
        r = await strict.http.post("/v1/clusters", json=kubeconfig_body(cluster), headers=ADMIN)
        assert r.status_code == 422, r.text
        assert "loopback" in r.json()["detail"]
        by_name = cluster.url.replace("127.0.0.1", "localhost")
        assert socket.gethostbyname("localhost").startswith("127.")
        r = await strict.http.post(
            "/v1/clusters", json=kubeconfig_body(cluster, api_server=by_name), headers=ADMIN
        )
        assert r.status_code == 422, r.text
    async with running_registry(
        postgres_url, kafka_bootstrap, allowed_api_networks=["127.0.0.0/8"]
    ) as allowed:
        await register(allowed, cluster)


async def test_a_new_api_server_is_verified_before_it_gets_the_token(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    await register(registry, kubesim.clusters["idc-a"], "a")
    before = (await registry.http.get("/v1/clusters/a", headers=VIEWER)).json()
    other = kubesim.clusters["idc-b"].url  # another cluster: it rejects idc-a's token
    for server, status in (
        (other, 422),
        ("https://169.254.169.254", 422),
        ("https://127.0.0.1:1", 502),
    ):
        r = await registry.http.patch("/v1/clusters/a", json={"api_server": server}, headers=ADMIN)
        assert r.status_code == status, (server, r.text)
    after = (await registry.http.get("/v1/clusters/a", headers=VIEWER)).json()
    assert after["api_server"] == before["api_server"]
    assert after["revision"] == before["revision"]


async def test_only_the_services_that_connect_read_credentials(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    await register(registry, kubesim.clusters["idc-a"], "a")
    path = "/v1/internal/clusters/a/connection"
    for subject in ("release-api", "k8s-sync", "monitor-gateway"):
        r = await registry.http.get(path, headers=bearer(service=True, subject=subject))
        assert r.status_code == 200, (subject, r.text)
    for headers in (bearer(service=True, subject="notifier"), ADMIN, VIEWER):
        assert (await registry.http.get(path, headers=headers)).status_code == 403


def test_production_refuses_the_development_key_and_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FLOTILLA_DEV_MODE")
    with pytest.raises(UnsafeSettings) as caught:
        Settings().check_production()
    assert "CLUSTER_REGISTRY_AUTH_JWT_SECRET" in str(caught.value)
    assert "CLUSTER_REGISTRY_CREDENTIAL_KEYS" in str(caught.value)
    assert registry_cli(["serve"]) == 2
    assert "refusing to start" in capsys.readouterr().err
    monkeypatch.setenv("CLUSTER_REGISTRY_AUTH_JWT_SECRET", "p" * 40)
    monkeypatch.setenv("CLUSTER_REGISTRY_CREDENTIAL_KEYS", "k1:" + "A" * 43 + "=")
    Settings().check_production()


K1 = "k1:" + base64.b64encode(b"1" * 32).decode()
K2 = "k2:" + base64.b64encode(b"2" * 32).decode()


async def test_reseal_moves_every_credential_to_the_newest_key(
    postgres_url: str,
    kafka_bootstrap: str,
    kubesim: KubesimProcess,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Rotation: register under k1; put k2 first; `reseal`; then a registry holding only k2
    still opens every cluster's credentials, and the metric shows no row left on k1."""
    async with running_registry(postgres_url, kafka_bootstrap, credential_keys=K1) as old:
        await register(old, kubesim.clusters["idc-a"], "a")
        await register(old, kubesim.clusters["idc-b"], "b")
        url = str(old.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CLUSTER_REGISTRY_DATABASE_URL", url)
    monkeypatch.setenv("CLUSTER_REGISTRY_CREDENTIAL_KEYS", f"{K2},{K1}")
    assert await asyncio.to_thread(registry_cli, ["reseal"]) == 0
    out = capsys.readouterr().out
    assert "resealed 2 cluster(s) with key 'k2'" in out
    assert "{'k2': 2}" in out
    assert await asyncio.to_thread(registry_cli, ["reseal"]) == 0  # nothing left to do
    assert "resealed" not in capsys.readouterr().out
    async with running_registry(
        postgres_url, kafka_bootstrap, database_url=url, credential_keys=K2
    ) as new:
        service = bearer(service=True, subject="k8s-sync")
        for name in ("a", "b"):
            r = await new.http.get(f"/v1/internal/clusters/{name}/connection", headers=service)
            assert r.status_code == 200, r.text
        await asyncio.sleep(1.0)  # a probe round sets the gauge
        metrics = (await new.http.get("/metrics")).text
        assert 'flotilla_registry_credentials{key_id="k2"} 2.0' in metrics
        assert 'key_id="k1"' not in metrics


@pytest.mark.parametrize(
    ("errno", "problem"),
    [
        (socket.EAI_NONAME, ApiServerRefused),  # the resolver says: no such name
        (socket.EAI_AGAIN, ClusterUnreachable),  # the resolver did not answer: try again
    ],
)
async def test_a_name_that_does_not_exist_is_the_callers_error_a_resolver_outage_is_not(
    monkeypatch: pytest.MonkeyPatch, errno: int, problem: type[Exception]
) -> None:
    async def resolve(*_: object, **__: object) -> object:
        raise socket.gaierror(errno, "resolver answer")

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", resolve)
    with pytest.raises(problem):
        await TargetPolicy.of([], dev_mode=False).check("https://api.example.test:6443")
