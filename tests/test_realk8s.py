"""The conformance lane: the release scenarios on real Kubernetes (`pytest -m realk8s`).

Three real control planes (etcd, kube-apiserver, kube-controller-manager, kube-scheduler
v1.34, kwok's simulated nodes; flotilla_devstack.realk8s) stand where kubesim stands in
tests/release_world.py, registered with a token of the `flotilla` ServiceAccount bound by
deploy/target-cluster/rbac.yaml and nothing else. The scenarios of tests/test_release_e2e.py run
here unchanged (imported below, so their assertions are the same ones), with those of
tests/test_release_strategies.py and tests/test_alerts.py: a brand-new app routed
by the ingress, a rolling release everywhere with traffic through HAProxy and 0 failed requests,
one cluster failing alone and put back, scale, isolation, debug mode, history, CDEvents, a
registry outage. The tests of this module add fleet waves on the three clusters and what only a
real server judges: a deleted pod drained while its preStop runs, Pod Security admission of the
rendered pods, the namespaces' labels, that
the shipped RBAC is what the calls need, node operations against a PodDisruptionBudget, and a
real 410.
"""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from flotilla_runtime.informer import Informer
from flotilla_runtime.kube import api_client

from .fleet_world import first_index, release_events
from .realk8s_world import (  # noqa: F401 (fixtures)
    Cache,
    can_i,
    chaos_is_rel_c,
    real,
    real_processes,
    until,
)
from .release_world import (  # noqa: F401 (fixtures)
    ADMIN,
    APP,
    APP_BODY,
    CLUSTERS,
    DEV,
    ENV,
    World,
    finished,
    images,
    start_release,
    traffic,
    world_fixture,
)
from .test_alerts import (  # noqa: F401 (the same scenarios, on a real cluster)
    monitor,
    test_each_rule_fires_within_5_s_once_and_resolves,
    test_only_the_apps_team_changes_its_alerts,
    test_orphans_are_reported_and_isolated_pods_are_not,
)
from .test_release_e2e import (  # noqa: F401 (the same scenarios, on real clusters)
    test_a_brand_new_app_is_routed_by_host_and_header_on_both_instances,
    test_bad_inputs_and_bad_hostnames_are_refused_and_change_nothing,
    test_cdevents_tell_other_cd_tools_what_changed,
    test_release_rolls_out_everywhere_then_one_cluster_fails_alone,
)
from .test_release_strategies import (  # noqa: F401 (the same scenarios, on real clusters)
    test_a_rollout_rides_out_a_registry_outage,
    test_blue_green_gray_and_operations,
)

pytestmark = [pytest.mark.realk8s, pytest.mark.e2e]


async def test_rendered_pods_pass_pod_security_restricted_on_a_real_server(world: World) -> None:
    """The environment's namespaces enforce "restricted" (its policy's default); the real
    PodSecurity admission admits every pod Flotilla renders, refuses a root pod there, and an
    app that runs as root is refused by release-api before anything is applied."""
    async with await api_client(real(world).admin["rel-a"].connection()) as api:
        core = client.CoreV1Api(api)
        ns = await core.read_namespace(world.namespace)
        assert ns.metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted"
        root: Any = {
            "metadata": {"name": "root"},
            "spec": {"containers": [{"name": "c", "image": "busybox:1"}]},
        }
        with pytest.raises(ApiException) as refused:
            await core.create_namespaced_pod(world.namespace, root)
        assert refused.value.status == 403
        assert "violates PodSecurity" in str(refused.value.body)

    http = world.release
    assert (await http.post("/v1/apps", headers=DEV, json=APP_BODY)).status_code == 201
    done = await finished(http, await start_release(http, APP, "shop/app:1", timeout_s=30))
    assert done["phase"] == "succeeded", done
    async with await api_client(real(world).admin["rel-b"].connection()) as api:
        pods = await client.CoreV1Api(api).list_namespaced_pod(
            world.namespace, label_selector=f"flotilla.io/app={APP}"
        )
        assert len(pods.items) == 2
        assert all(p.status.phase == "Running" for p in pods.items)
        hooks: Any = pods.items[0].spec.containers[0].lifecycle
        assert hooks.pre_stop.sleep.seconds >= 1
        assert hooks.post_start is None

    rooted = {
        **APP_BODY,
        "name": "rooted",
        "security": {"run_as_root": True, "reason": "binds port 80 itself"},
    }
    assert (await http.post("/v1/apps", headers=DEV, json=rooted)).status_code == 201
    r = await http.post(
        "/v1/apps/rooted/releases", headers=DEV, json={"image": "shop/app:1", "env": ENV}
    )
    assert r.status_code == 422, r.text
    assert r.json()["type"].endswith("pod-security-unfit")
    # an admin lowers the environment to baseline: the namespaces follow, and it releases
    r = await world.registry.put(
        f"/v1/environments/{ENV}/policy", headers=ADMIN, json={"pod_security": "baseline"}
    )
    assert r.status_code == 200, r.text
    async with await api_client(real(world).admin["rel-c"].connection()) as api:
        ns = await client.CoreV1Api(api).read_namespace(world.namespace)
        assert ns.metadata.labels["pod-security.kubernetes.io/enforce"] == "baseline"
    rooted_release = await start_release(http, "rooted", "shop/app:1", timeout_s=30)
    assert (await finished(http, rooted_release))["phase"] == "succeeded"


async def test_the_shipped_rbac_is_all_flotilla_has_and_all_it_needs(world: World) -> None:
    """Least privilege, checked by the real authorizer: the account may do what the services
    call and not more (no secrets, no RBAC, no cluster-wide deletes of what it does not own);
    and a rule taken away fails the operation that needs it, with the API server's 403 told
    to the user as a clear error (not a 500)."""
    for verb, resource in (
        ("patch", "deployments.apps"),
        ("patch", "deployments.apps/scale"),
        ("create", "pods/eviction"),
        ("create", "namespaces"),
        ("watch", "endpointslices.discovery.k8s.io"),
        ("watch", "pods"),
        ("patch", "nodes"),
    ):
        assert can_i(world, "rel-a", verb, resource), (verb, resource)
    for verb, resource in (
        ("get", "secrets"),
        ("list", "configmaps"),
        ("create", "clusterrolebindings.rbac.authorization.k8s.io"),
        ("delete", "namespaces"),
        ("create", "pods"),
        ("watch", "deployments.apps"),
    ):
        assert not can_i(world, "rel-a", verb, resource), (verb, resource)

    http = world.release
    assert (await http.post("/v1/apps", headers=DEV, json=APP_BODY)).status_code == 201
    first = await start_release(http, APP, "shop/app:1", timeout_s=30)
    assert (await finished(http, first))["phase"] == "succeeded"
    # take `deployments/scale` away in rel-b: scaling there fails, and says why
    async with await api_client(real(world).admin["rel-b"].connection()) as api:
        rbac = client.RbacAuthorizationV1Api(api)
        role: Any = await rbac.read_cluster_role("flotilla:release-api")
        kept = [r for r in role.rules if "deployments/scale" not in r.resources]
        await rbac.patch_cluster_role("flotilla:release-api", {"rules": kept})
        try:
            for _ in range(50):  # RBAC changes reach the authorizer within moments
                if not can_i(world, "rel-b", "patch", "deployments.apps/scale"):
                    break
                await asyncio.sleep(0.1)
            r = await http.put(
                f"/v1/apps/{APP}/envs/{ENV}/scale", headers=DEV, json={"replicas": 3}
            )
            outcome = r.json()
            assert outcome["clusters"]["rel-a"] == "ok", outcome
            assert outcome["clusters"]["rel-b"] != "ok", outcome
            assert "403" in outcome["clusters"]["rel-b"] or "forbidden" in str(outcome).lower()
        finally:
            await rbac.patch_cluster_role("flotilla:release-api", {"rules": role.rules})


async def test_fleet_waves_canary_approval_then_an_idc_one_cluster_at_a_time(world: World) -> None:
    """Fleet waves on real clusters: the canary (rel-a) soaks and waits for a second person's
    approval while idc-b runs the old version; idc-b then goes one cluster at a time, and rel-c,
    where no new pod is admitted (a ResourceQuota), is put back alone within a failure budget of
    one. Not one request fails through HAProxy meanwhile."""
    http = world.release
    assert (await http.post("/v1/apps", headers=DEV, json=APP_BODY)).status_code == 201
    assert (await finished(http, await start_release(http, APP, "shop/app:1")))["phase"] == (
        "succeeded"
    )
    await world.kubesim.stall_rollouts("rel-c", "shop/app:2", world.namespace)
    stop = asyncio.Event()
    load = asyncio.create_task(traffic(world.haproxy, stop))
    plan = {
        "waves": [
            {"name": "canary", "clusters": ["rel-a"], "soak_s": 2, "gate": "approval"},
            {"name": "idc-b", "idc": "idc-b", "max_parallel": 1},
        ],
        "failure": {"on_failure": "continue", "budget": 1},
    }
    r = await http.post(
        f"/v1/apps/{APP}/releases",
        headers=DEV,
        json={"image": "shop/app:2", "env": ENV, "plan": plan, "options": {"timeout_s": 10}},
    )
    assert r.status_code == 202, r.text
    location = r.headers["Location"]
    for _ in range(300):
        held = (await http.get(location, headers=DEV)).json()
        if held["phase"] == "waiting-approval":
            break
        await asyncio.sleep(0.1)
    assert held["phase"] == "waiting-approval", held
    assert {c["cluster"]: c["phase"] for c in held["clusters"]} == {
        "rel-a": "succeeded",
        "rel-b": "pending",
        "rel-c": "pending",
    }
    assert await images(world) == {
        "rel-a": "shop/app:2",
        "rel-b": "shop/app:1",
        "rel-c": "shop/app:1",
    }
    refused = await http.post(f"{location}/approve", headers=DEV, json={"comment": "mine"})
    assert refused.status_code == 403, refused.text  # four eyes: not the requester
    approved = await http.post(f"{location}/approve", headers=ADMIN, json={"comment": "good"})
    assert approved.status_code == 200, approved.text
    done = await finished(http, location)
    stop.set()
    seen = await load
    await world.kubesim.unstall_rollouts("rel-c", world.namespace)
    assert done["phase"] == "partially-failed", done
    assert {c["cluster"]: c["phase"] for c in done["clusters"]} == {
        "rel-a": "succeeded",
        "rel-b": "succeeded",
        "rel-c": "rolled-back",
    }
    assert await images(world) == {
        "rel-a": "shop/app:2",
        "rel-b": "shop/app:2",
        "rel-c": "shop/app:1",
    }
    events = await release_events(http, location, DEV)
    # max_parallel 1: rel-c starts once rel-b is done
    assert first_index(events, "rel-c", "applying") > first_index(events, "rel-b", "succeeded")
    assert seen["ok"] > 100, seen
    assert set(seen) == {"ok"}, f"failed requests during the release: {seen}"


async def test_a_deleted_pod_is_drained_while_its_prestop_runs(world: World) -> None:
    """A pod scaled away stays Terminating on a real server while its preStop `sleep` runs (kwok
    timed as a kubelet): its EndpointSlice entry turns terminating, and k8s-sync drains its slot
    on both ingress instances (no new requests, in-flight ones finish) before it is gone. Not one
    request fails meanwhile."""
    http = world.release
    assert (await http.post("/v1/apps", headers=DEV, json=APP_BODY)).status_code == 201
    assert (await finished(http, await start_release(http, APP, "shop/app:1")))["phase"] == (
        "succeeded"
    )
    stop = asyncio.Event()
    load = asyncio.create_task(traffic(world.haproxy, stop))
    r = await http.put(
        f"/v1/apps/{APP}/envs/{ENV}/scale", headers=DEV, json={"replicas": 1, "cluster": "rel-a"}
    )
    assert r.status_code == 200, r.text
    drained: set[tuple[str, str]] = set()  # (ingress, pod) seen draining
    states: list[tuple[str, str, str]] = []  # (ingress, pod, state) of rel-a's slots now
    for _ in range(600):
        body = (await world.sync.get(f"/v1/sync/apps/{APP}/{ENV}", headers=ADMIN)).json()
        states = [
            (on["ingress"], s["pod"], s["state"])
            for on in body["instances"]
            for s in on["applied"]
            if s["cluster"] == "rel-a"
        ]
        drained |= {(ingress, pod) for ingress, pod, state in states if state == "drain"}
        if drained and [state for _, _, state in states] == ["ready", "ready"]:
            break
        await asyncio.sleep(0.05)
    stop.set()
    seen = await load
    assert {ingress for ingress, _ in drained} == {"ingress-a", "ingress-b"}, (drained, states)
    assert len({pod for _, pod in drained}) == 1, drained
    assert [state for _, _, state in states] == ["ready", "ready"], states
    assert set(seen) == {"ok"}, f"failed requests while a pod drained: {seen}"


async def test_nodes_tag_cordon_and_drain_with_a_pdb_on_a_real_server(world: World) -> None:
    """cluster-registry's node operations through the real API server: labels and taints as
    kubectl shows them, and a drain whose evictions the server's PodDisruptionBudget check
    refuses for the guarded pods (429) while the free one goes."""
    registry = world.registry
    nodes = (await registry.get("/v1/clusters/rel-b/nodes", headers=ADMIN)).json()
    node = sorted(n["name"] for n in nodes)[0]
    r = await registry.post(
        f"/v1/clusters/rel-b/nodes/{node}/labels", headers=ADMIN, json={"set": {"team": "pay"}}
    )
    assert r.status_code == 204, r.text
    taint = {"key": "dedicated", "value": "pay", "effect": "PreferNoSchedule"}
    r = await registry.post(
        f"/v1/clusters/rel-b/nodes/{node}/taints", headers=ADMIN, json={"add": [taint]}
    )
    assert r.status_code == 204, r.text
    shown = await asyncio.to_thread(
        subprocess.run,
        ["kubectl", f"--kubeconfig={real(world).admin['rel-b'].kubeconfig}", "get", "node", node]
        + ["-o", "jsonpath={.metadata.labels.team} {.spec.taints[0].key}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == "pay dedicated"

    async with await api_client(real(world).admin["rel-b"].connection()) as api:
        apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
        for name, replicas in (("guarded", 2), ("free", 1)):
            body: Any = {
                "metadata": {"name": name},
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {
                            "nodeSelector": {"kubernetes.io/hostname": node},
                            "securityContext": {
                                "runAsNonRoot": True,
                                "seccompProfile": {"type": "RuntimeDefault"},
                            },
                            "containers": [
                                {
                                    "name": "app",
                                    "image": "a:1",
                                    "securityContext": {
                                        "allowPrivilegeEscalation": False,
                                        "capabilities": {"drop": ["ALL"]},
                                    },
                                }
                            ],
                        },
                    },
                },
            }
            await apps.create_namespaced_deployment(world.namespace, body)
        pdb: Any = {
            "metadata": {"name": "guarded"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "guarded"}}},
        }
        await client.PolicyV1Api(api).create_namespaced_pod_disruption_budget(world.namespace, pdb)
        for _ in range(100):
            pods = (await core.list_namespaced_pod(world.namespace)).items
            budget = await client.PolicyV1Api(api).read_namespaced_pod_disruption_budget(
                "guarded", world.namespace
            )
            running = [p for p in pods if p.status.phase == "Running"]
            if len(running) == 3 and budget.status.current_healthy == 2:
                break
            await asyncio.sleep(0.2)
        r = await registry.post(
            f"/v1/clusters/rel-b/nodes/{node}/drain", headers=ADMIN, json={"timeout_s": 3}
        )
        assert r.status_code == 200, r.text
        report = r.json()
        assert report["completed"] is False
        outcomes = {
            p["pod"].rsplit("-", 2)[0]: p["outcome"]
            for p in report["pods"]
            if p["namespace"] == world.namespace
        }
        assert outcomes == {"guarded": "blocked", "free": "evicted"}, report
        assert (await core.read_node(node)).spec.unschedulable is True
        r = await registry.post(f"/v1/clusters/rel-b/nodes/{node}/uncordon", headers=ADMIN)
        assert r.status_code == 204, r.text


async def test_informers_miss_nothing_after_a_real_410(world: World) -> None:
    """kube-apiserver restarted with etcd compacted meanwhile: the informer's version is gone
    (etcd's own 410, configmaps having no watch cache here), it lists again and misses nothing;
    k8s-sync's informers, which saw the same restart, still follow the app's pods."""
    clusters = real(world)
    http = world.release
    assert (await http.post("/v1/apps", headers=DEV, json=APP_BODY)).status_code == 201
    first = await start_release(http, APP, "shop/app:1", timeout_s=30)
    assert (await finished(http, first))["phase"] == "succeeded"
    async with await api_client(clusters.admin["rel-a"].connection()) as api:
        core = client.CoreV1Api(api)
        cache = Cache()
        informer = Informer(
            "realk8s-test",
            core.list_namespaced_config_map,
            world.namespace,
            handler=cache,
            max_backoff_s=0.5,
        )
        task = asyncio.create_task(informer.run())
        try:
            x: Any = {"metadata": {"name": "x"}}
            await core.create_namespaced_config_map(world.namespace, x)
            await until(lambda: "x" in cache.names, "the informer to see x")
            assert informer.health.relists == 1
            await asyncio.to_thread(clusters.restart_api_server, "rel-a", compact_between=True)
            y: Any = {"metadata": {"name": "y"}}
            await core.create_namespaced_config_map(world.namespace, y)
            await until(
                lambda: informer.health.relists >= 2 and "y" in cache.names,
                lambda: f"a relist after the 410 that finds y: {informer.health}, {cache.names}",
            )
            assert cache.names >= {"x", "y"}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    r = await http.put(
        f"/v1/apps/{APP}/envs/{ENV}/scale", headers=DEV, json={"replicas": 3, "cluster": "rel-a"}
    )
    assert r.status_code == 200, r.text

    async def served_in_rel_a() -> int:
        body = (await world.sync.get(f"/v1/sync/apps/{APP}/{ENV}", headers=ADMIN)).json()
        return min(
            len([s for s in on["applied"] if s["state"] == "ready" and s["cluster"] == "rel-a"])
            for on in body["instances"]
        )

    for _ in range(150):
        if await served_in_rel_a() == 3:
            break
        await asyncio.sleep(0.2)
    assert await served_in_rel_a() == 3
