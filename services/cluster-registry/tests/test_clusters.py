"""Registering, reading, updating, rotating and deregistering clusters."""

from __future__ import annotations

import asyncio
import base64
import logging

import pytest
import yaml
from structlog.testing import capture_logs

from flotilla_devstack.kubesim import KubesimProcess
from flotilla_runtime.crypto import CredentialCipher

from .conftest import ADMIN, SERVICE, VIEWER, Registry, kubeconfig_body, register


async def test_register_checks_the_cluster_and_records_what_it_found(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    cluster = kubesim.clusters["idc-a"]
    body = await register(registry, cluster, "prod-a", labels={"tier": "prod"})
    assert body["status"] == "ready"
    assert body["kubernetes_version"] == "v1.32.0"
    assert body["node_count"] == 3
    assert body["api_server"] == cluster.url
    assert "credentials" not in body
    got = await registry.http.get("/v1/clusters/prod-a", headers=VIEWER)
    assert got.json()["labels"] == {"tier": "prod"}
    assert got.headers["etag"] == 'W/"1"'
    events = await registry.events("io.flotilla.cluster.registered")
    assert events == [
        {
            "cluster": "prod-a",
            "idc": "idc-a",
            "provider": "self-built",
            "api_server": cluster.url,
            "kubernetes_version": "v1.32.0",
        }
    ]
    assert await registry.count("audit_log") == 1


async def test_list_filters_and_paging(registry: Registry, kubesim: KubesimProcess) -> None:
    await register(registry, kubesim.clusters["idc-a"], "a1", idc="idc-a", labels={"t": "x"})
    await register(registry, kubesim.clusters["idc-b"], "b1", idc="idc-b")
    await register(registry, kubesim.clusters["idc-b"], "b2", idc="idc-b", provider="uk8s")

    async def names(**params: str) -> list[str]:
        r = await registry.http.get("/v1/clusters", params=params, headers=VIEWER)
        assert r.status_code == 200, r.text
        return [c["name"] for c in r.json()["items"]]

    assert await names(idc="idc-b") == ["b1", "b2"]
    assert await names(provider="uk8s") == ["b2"]
    assert await names(label="t=x") == ["a1"]
    assert await names(status="ready") == ["a1", "b1", "b2"]
    first = (await registry.http.get("/v1/clusters", params={"limit": 2}, headers=VIEWER)).json()
    assert [c["name"] for c in first["items"]] == ["a1", "b1"]
    rest = await registry.http.get(
        "/v1/clusters", params={"cursor": first["next_cursor"]}, headers=VIEWER
    )
    assert [c["name"] for c in rest.json()["items"]] == ["b2"]
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("mutate", "status", "problem"),
    [
        (lambda b: b["credentials"].update(kubeconfig="{not: [yaml"), 422, "invalid-credentials"),
        (
            lambda b: b["credentials"].update(kubeconfig="apiVersion: v1\nkind: Config\n"),
            422,
            "invalid-credentials",
        ),
        (lambda b: b.update(name="Bad_Name!"), 422, "validation-error"),
        (lambda b: b.update(idc="idc a/1"), 422, "validation-error"),
        (lambda b: b.update(provider="moon"), 422, "validation-error"),
        (lambda b: b.update(extra="field"), 422, "validation-error"),
        (lambda b: b.update(labels={"x": "y" * 100}), 422, "validation-error"),
        (lambda b: b.update(padding="x" * 70000), 413, "payload-too-large"),
    ],
)
async def test_bad_input_is_a_problem_and_stores_nothing(
    registry: Registry, kubesim: KubesimProcess, mutate: object, status: int, problem: str
) -> None:
    body = kubeconfig_body(kubesim.clusters["idc-a"], "bad")
    mutate(body)  # type: ignore[operator]
    r = await registry.http.post("/v1/clusters", json=body, headers=ADMIN)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith(problem)
    assert await registry.count("clusters") == 0
    assert await registry.count("flotilla_outbox") == 0


async def test_rejected_credentials_unreachable_server_and_duplicates(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    cluster = kubesim.clusters["idc-a"]
    doc = yaml.safe_load(cluster.kubeconfig.read_text())
    doc["users"][0]["user"]["token"] = "wrong"
    r = await registry.http.post(
        "/v1/clusters",
        headers=ADMIN,
        json={
            "name": "wrong",
            "idc": "idc-a",
            "provider": "self-built",
            "credentials": {"kind": "kubeconfig", "kubeconfig": yaml.safe_dump(doc)},
        },
    )
    assert r.status_code == 422
    assert r.json()["type"].endswith("cluster-credentials-rejected")
    ca = doc["clusters"][0]["cluster"]["certificate-authority-data"]
    r = await registry.http.post(
        "/v1/clusters",
        headers=ADMIN,
        json={
            "name": "gone",
            "idc": "idc-a",
            "provider": "self-built",
            "api_server": "https://127.0.0.1:9",
            "credentials": {"kind": "token", "token": cluster.token, "ca_data": ca},
        },
    )
    assert r.status_code == 502
    assert r.json()["type"].endswith("cluster-unreachable")
    assert await registry.count("clusters") == 0
    await register(registry, cluster, "dup")
    r = await registry.http.post(
        "/v1/clusters", json=kubeconfig_body(cluster, "dup"), headers=ADMIN
    )
    assert r.status_code == 409
    assert await registry.count("clusters") == 1
    outcomes = await registry.count("audit_log")
    assert outcomes == 4  # three refusals and one success, each recorded


async def test_token_credentials_and_the_internal_connection(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    cluster = kubesim.clusters["idc-b"]
    ca = base64.b64encode(cluster.ca_file.read_bytes()).decode()
    r = await registry.http.post(
        "/v1/clusters",
        headers=ADMIN,
        json={
            "name": "tok",
            "idc": "idc-b",
            "provider": "uk8s",
            "api_server": cluster.url,
            "credentials": {"kind": "token", "token": cluster.token, "ca_data": ca},
        },
    )
    assert r.status_code == 201, r.text
    assert cluster.token not in r.text
    forbidden = await registry.http.get("/v1/internal/clusters/tok/connection", headers=ADMIN)
    assert forbidden.status_code == 403
    connection = await registry.http.get("/v1/internal/clusters/tok/connection", headers=SERVICE)
    assert connection.status_code == 200
    assert connection.json()["token"] == cluster.token
    assert connection.json()["api_server"] == cluster.url


async def test_roles(registry: Registry, kubesim: KubesimProcess) -> None:
    body = kubeconfig_body(kubesim.clusters["idc-a"], "r")
    assert (await registry.http.post("/v1/clusters", json=body)).status_code == 401
    assert (await registry.http.post("/v1/clusters", json=body, headers=VIEWER)).status_code == 403
    assert (await registry.http.get("/v1/clusters", headers=VIEWER)).status_code == 200
    assert (await registry.http.delete("/v1/clusters/r", headers=VIEWER)).status_code == 403


async def test_update_with_if_match_and_rotate_credentials(
    registry: Registry, kubesim: KubesimProcess
) -> None:
    await register(registry, kubesim.clusters["idc-a"], "u")
    r = await registry.http.patch(
        "/v1/clusters/u", json={"labels": {"a": "b"}}, headers={**ADMIN, "If-Match": 'W/"1"'}
    )
    assert r.status_code == 200
    assert r.headers["etag"] == 'W/"2"'
    stale = await registry.http.patch(
        "/v1/clusters/u", json={"idc": "idc-z"}, headers={**ADMIN, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    rotated = await registry.http.post(
        "/v1/clusters/u/credentials",
        headers=ADMIN,
        json={
            "credentials": {
                "kind": "kubeconfig",
                "kubeconfig": kubesim.clusters["idc-b"].kubeconfig.read_text(),
            }
        },
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["api_server"] == kubesim.clusters["idc-b"].url
    events = await registry.events("io.flotilla.cluster.updated")
    assert [e["credentials_rotated"] for e in events] == [False, True]


async def test_credentials_never_reach_responses_or_logs(
    registry: Registry, kubesim: KubesimProcess, caplog: pytest.LogCaptureFixture
) -> None:
    cluster = kubesim.clusters["idc-a"]
    caplog.set_level(logging.DEBUG)
    bodies = []
    with capture_logs() as structured:
        created = await register(registry, cluster, "secret")
        bodies.append(str(created))
        for path in ("/v1/clusters", "/v1/clusters/secret", "/v1/audit"):
            bodies.append((await registry.http.get(path, headers=ADMIN)).text)
        doc = yaml.safe_load(cluster.kubeconfig.read_text())
        doc["users"][0]["user"]["token"] = cluster.token + "x"
        refused = await registry.http.post(
            "/v1/clusters",
            headers=ADMIN,
            json={
                "name": "secret2",
                "idc": "idc-a",
                "provider": "self-built",
                "credentials": {"kind": "kubeconfig", "kubeconfig": yaml.safe_dump(doc)},
            },
        )
        bodies.append(refused.text)
        await asyncio.sleep(1.2)  # a couple of probe rounds
    output = "\n".join(bodies) + caplog.text + "\n".join(str(e) for e in structured)
    assert cluster.token not in output
    async with registry.engine.connect() as conn:
        from sqlalchemy import text

        stored = (await conn.execute(text("SELECT credentials FROM clusters"))).scalar_one()
    assert cluster.token.encode() not in bytes(stored)


def test_credential_keys_rotate_by_key_id() -> None:
    old = "k1:" + base64.b64encode(b"1" * 32).decode()
    new = "k2:" + base64.b64encode(b"2" * 32).decode()
    sealed = CredentialCipher(old).seal(b"secret", context="c")
    both = CredentialCipher(f"{new},{old}")
    assert both.open(sealed, context="c") == b"secret"
    assert both.seal(b"x", context="c").key_id == "k2"
    with pytest.raises(ValueError, match="do not decrypt"):
        both.open(sealed, context="another-cluster")
