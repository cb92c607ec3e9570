"""The REST API through kubernetes-asyncio: verbs, selectors, paging, patches, errors, watches."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_devstack.kubesim import SimulatedCluster

from .conftest import admin, body_text


def content_type(value: str) -> Any:
    """`_content_type=` for a patch call (the client takes it; its type hints do not say so)."""
    return {"_content_type": value}


def configmap(name: str, labels: dict[str, str] | None = None, **data: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


async def test_requests_without_the_token_get_401(cluster: SimulatedCluster) -> None:
    context = ssl.create_default_context(cafile=cluster.ca_file)
    async with httpx.AsyncClient(verify=context) as http:
        r = await http.get(f"{cluster.url}/api/v1/namespaces")
        assert r.status_code == 401
        assert r.json()["kind"] == "Status"
        r = await http.get(
            f"{cluster.url}/api/v1/namespaces", headers={"Authorization": f"Bearer {cluster.token}"}
        )
        assert r.status_code == 200


async def test_discovery_and_version(api: client.ApiClient) -> None:
    version = await client.VersionApi(api).get_code()
    assert version.git_version.startswith("v1.32")
    groups = await client.ApisApi(api).get_api_versions()
    names = {g.name for g in groups.groups}
    assert {"apps", "discovery.k8s.io", "coordination.k8s.io", "policy"} <= names
    resources = await client.CoreV1Api(api).get_api_resources()
    by_name = {r.name: r for r in resources.resources}
    assert by_name["pods"].namespaced
    assert "pods/log" in by_name
    assert not by_name["nodes"].namespaced


async def test_create_get_list_with_selectors_and_delete(
    api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    for i in range(5):
        tier = "web" if i < 3 else "db"
        await core.create_namespaced_config_map(namespace, configmap(f"cm-{i}", {"tier": tier}))
    web = await core.list_namespaced_config_map(namespace, label_selector="tier=web")
    assert sorted(c.metadata.name for c in web.items) == ["cm-0", "cm-1", "cm-2"]
    not_web = await core.list_namespaced_config_map(namespace, label_selector="tier notin (web)")
    assert [c.metadata.name for c in not_web.items] == ["cm-3", "cm-4"]
    exists = await core.list_namespaced_config_map(namespace, label_selector="tier,!missing")
    assert len(exists.items) == 5
    by_name = await core.list_namespaced_config_map(namespace, field_selector="metadata.name=cm-4")
    assert [c.metadata.name for c in by_name.items] == ["cm-4"]
    got = await core.read_namespaced_config_map("cm-1", namespace)
    assert got.metadata.uid
    assert got.metadata.resource_version
    await core.delete_namespaced_config_map("cm-1", namespace)
    with pytest.raises(ApiException) as missing:
        await core.read_namespaced_config_map("cm-1", namespace)
    assert missing.value.status == 404
    assert '"reason":"NotFound"' in body_text(missing.value).replace(" ", "")


async def test_paging_with_limit_and_continue(api: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api)
    for i in range(7):
        await core.create_namespaced_config_map(namespace, configmap(f"p-{i}"))
    names: list[str] = []
    first = await core.list_namespaced_config_map(namespace, limit=3)
    names += [c.metadata.name for c in first.items]
    token = first.metadata._continue
    assert token
    assert first.metadata.remaining_item_count == 4
    while token:
        page = await core.list_namespaced_config_map(namespace, limit=3, _continue=token)
        assert page.metadata.resource_version == first.metadata.resource_version
        names += [c.metadata.name for c in page.items]
        token = page.metadata._continue
    assert names == [f"p-{i}" for i in range(7)]


async def test_stale_replace_is_409_and_duplicate_create_too(
    api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    created = await core.create_namespaced_config_map(namespace, configmap("c", a="1"))
    created.data = {"a": "2"}
    await core.replace_namespaced_config_map("c", namespace, created)  # carries the old RV
    created.data = {"a": "3"}
    with pytest.raises(ApiException) as stale:
        await core.replace_namespaced_config_map("c", namespace, created)
    assert stale.value.status == 409
    assert "the object has been modified" in body_text(stale.value)
    with pytest.raises(ApiException) as dup:
        await core.create_namespaced_config_map(namespace, configmap("c"))
    assert dup.value.status == 409
    assert "AlreadyExists" in body_text(dup.value)


async def test_invalid_objects_are_422(api: client.ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api)
    bad = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="bad"),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels={"app": "x"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "y"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="i")]),
            ),
        ),
    )
    with pytest.raises(ApiException) as invalid:
        await apps.create_namespaced_deployment(namespace, bad)
    assert invalid.value.status == 422
    assert "does not match template" in body_text(invalid.value)
    with pytest.raises(ApiException) as upper:
        await client.CoreV1Api(api).create_namespaced_config_map(namespace, configmap("Bad_Name"))
    assert upper.value.status == 422
    # as a real API server: no loopback (nor link-local) address in an EndpointSlice
    discovery = client.DiscoveryV1Api(api)
    for address in ("127.0.0.5", "169.254.169.254"):
        slice_: Any = {
            "metadata": {"name": "by-hand"},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [address]}],
        }
        with pytest.raises(ApiException) as loopback:
            await discovery.create_namespaced_endpoint_slice(namespace, slice_)
        assert loopback.value.status == 422, address
        assert "may not be in the" in body_text(loopback.value)


async def test_four_patch_content_types(api: client.ApiClient, namespace: str) -> None:
    apps = client.AppsV1Api(api)
    deployment: Any = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "p"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "p"}},
            "template": {
                "metadata": {"labels": {"app": "p"}},
                "spec": {
                    "containers": [
                        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]},
                        {"name": "side", "image": "side:1"},
                    ]
                },
            },
        },
    }
    await apps.create_namespaced_deployment(namespace, deployment)
    # strategic merge (a dict body): containers merge by name, env by name
    await apps.patch_namespaced_deployment(
        "p",
        namespace,
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]}
                        ]
                    }
                }
            }
        },
    )
    d = await apps.read_namespaced_deployment("p", namespace)
    containers = {c.name: c for c in d.spec.template.spec.containers}
    assert containers["app"].image == "app:2"
    assert containers["side"].image == "side:1"
    assert [e.name for e in containers["app"].env] == ["A", "B"]
    # JSON patch (a list body)
    await apps.patch_namespaced_deployment(
        "p",
        namespace,
        [
            {"op": "replace", "path": "/spec/replicas", "value": 0},
            {"op": "add", "path": "/metadata/labels", "value": {"x": "1"}},
        ],
    )
    # merge patch: lists are replaced whole, null deletes
    await apps.patch_namespaced_deployment(
        "p",
        namespace,
        {
            "metadata": {"labels": {"x": None, "y": "2"}},
            "spec": {"template": {"spec": {"containers": [{"name": "only", "image": "only:1"}]}}},
        },
        **content_type("application/merge-patch+json"),
    )
    d = await apps.read_namespaced_deployment("p", namespace)
    assert d.metadata.labels == {"y": "2"}
    assert [c.name for c in d.spec.template.spec.containers] == ["only"]
    # server-side apply: merges, and creates what does not exist
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "applied"},
        "data": {"k": "v"},
    }
    core = client.CoreV1Api(api)
    await core.patch_namespaced_config_map(
        "applied",
        namespace,
        body,
        field_manager="t",
        **content_type("application/apply-patch+yaml"),
    )
    body["data"] = {"k2": "v2"}
    await core.patch_namespaced_config_map(
        "applied",
        namespace,
        body,
        field_manager="t",
        **content_type("application/apply-patch+yaml"),
    )
    cm = await core.read_namespaced_config_map("applied", namespace)
    assert cm.data == {"k": "v", "k2": "v2"}
    # a failed JSON patch test changes nothing
    with pytest.raises(ApiException) as failed:
        await apps.patch_namespaced_deployment(
            "p", namespace, [{"op": "test", "path": "/spec/replicas", "value": 9}]
        )
    assert failed.value.status in (400, 422)


async def test_watch_from_list_version_with_bookmarks(
    api: client.ApiClient, namespace: str, cluster: SimulatedCluster
) -> None:
    core = client.CoreV1Api(api)
    await core.create_namespaced_config_map(namespace, configmap("before"))
    listed = await core.list_namespaced_config_map(namespace)
    rv = listed.metadata.resource_version
    await admin(cluster, "POST", "watches", action="none", bookmark_interval_seconds=0.3)
    events: list[tuple[str, str]] = []

    async def writes() -> None:
        await asyncio.sleep(0.2)
        await core.create_namespaced_config_map(namespace, configmap("a"))
        await core.patch_namespaced_config_map("a", namespace, {"data": {"k": "v"}})
        await core.delete_namespaced_config_map("a", namespace)

    writer = asyncio.create_task(writes())
    try:
        async with watch.Watch() as w:
            async for event in w.stream(
                core.list_namespaced_config_map,
                namespace,
                resource_version=rv,
                allow_watch_bookmarks=True,
                timeout_seconds=2,
            ):
                obj = event["object"]
                name = obj.metadata.name if event["type"] != "BOOKMARK" else ""
                events.append((event["type"], name))
    finally:
        await writer
        await admin(cluster, "POST", "watches", action="none", bookmark_interval_seconds=5)
    changes = [e for e in events if e[0] != "BOOKMARK"]
    assert changes == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    assert ("BOOKMARK", "") in events


async def test_a_watch_from_a_compacted_version_gets_410_and_a_relist_recovers(
    api: client.ApiClient, namespace: str, chaos: SimulatedCluster
) -> None:
    async with await _client(chaos) as chaos_api:
        core = client.CoreV1Api(chaos_api)
        await core.create_namespace(
            client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace))
        )
        listed = await core.list_namespaced_config_map(namespace)
        await core.create_namespaced_config_map(namespace, configmap("x"))
        await admin(chaos, "POST", "compact")
        with pytest.raises(ApiException) as gone:
            await drain_watch(core, namespace, listed.metadata.resource_version)
        assert gone.value.status == 410
        relisted = await core.list_namespaced_config_map(namespace)
        assert [c.metadata.name for c in relisted.items] == ["x"]
        seen = []
        async with watch.Watch() as w:
            async for event in w.stream(
                core.list_namespaced_config_map,
                namespace,
                resource_version=relisted.metadata.resource_version,
                timeout_seconds=1,
            ):
                seen.append(event["type"])
        assert seen == []  # nothing changed since the relist
        await core.delete_namespace(namespace)


async def drain_watch(core: client.CoreV1Api, namespace: str, rv: str) -> None:
    async with watch.Watch() as w:
        async for _ in w.stream(
            core.list_namespaced_config_map, namespace, resource_version=rv, timeout_seconds=2
        ):
            pass


async def _client(cluster: SimulatedCluster) -> client.ApiClient:
    from .conftest import api_client

    return await api_client(cluster)


async def test_label_selector_watch_sees_objects_leave_and_enter(
    api: client.ApiClient, namespace: str
) -> None:
    core = client.CoreV1Api(api)
    await core.create_namespaced_config_map(namespace, configmap("m", {"app": "x"}))
    listed = await core.list_namespaced_config_map(namespace, label_selector="app=x")
    seen: list[str] = []

    async def relabel() -> None:
        await asyncio.sleep(0.2)
        await core.patch_namespaced_config_map(
            "m", namespace, {"metadata": {"labels": {"app": "y"}}}
        )
        await core.patch_namespaced_config_map(
            "m", namespace, {"metadata": {"labels": {"app": "x"}}}
        )

    task = asyncio.create_task(relabel())
    async with watch.Watch() as w:
        async for event in w.stream(
            core.list_namespaced_config_map,
            namespace,
            label_selector="app=x",
            timeout_seconds=1,
            resource_version=listed.metadata.resource_version,
        ):
            seen.append(event["type"])
    await task
    assert seen == ["DELETED", "ADDED"]
