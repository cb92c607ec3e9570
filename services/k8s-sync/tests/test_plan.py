"""Unit tests of the pure desired-state and planning logic (no I/O, so no real components)."""

from __future__ import annotations

from typing import Any

from k8s_sync.ingress.haproxy import ServerState
from k8s_sync.sync.desired import Endpoint, endpoints_of_slice, server_name
from k8s_sync.sync.engine import _unapplied
from k8s_sync.sync.plan import plan_backend

BACKEND = "shop.prod"


def ep(
    pod: str,
    *,
    cluster: str = "idc-a",
    ready: bool = True,
    serving: bool | None = None,
    terminating: bool = False,
    address: str = "127.10.0.2",
    weight: int = 100,
) -> Endpoint:
    return Endpoint(
        cluster=cluster,
        namespace="shop",
        pod=pod,
        address=address,
        port=8080,
        app="shop",
        env="prod",
        stage="stable",
        ready=ready,
        serving=ready if serving is None else serving,
        terminating=terminating,
        weight=weight,
    )


def srv(
    pod: str,
    *,
    cluster: str = "idc-a",
    admin: int = 0,
    server_id: int = 1,
    address: str = "127.10.0.2",
    weight: int = 100,
) -> ServerState:
    return ServerState(
        backend=BACKEND,
        name=server_name(cluster, "shop", pod),
        address=address,
        port=8080,
        server_id=server_id,
        op_state="running",
        admin_state=admin,
        weight=weight,
    )


def test_slice_to_endpoints_uses_the_copied_service_labels() -> None:
    slice_: dict[str, Any] = {
        "metadata": {
            "namespace": "shop",
            "labels": {
                "flotilla.io/app": "shop",
                "flotilla.io/env": "prod",
                "flotilla.io/stage": "gray",
            },
        },
        "addressType": "IPv4",
        "ports": [{"port": 8080}],
        "endpoints": [
            {
                "addresses": ["127.10.0.2"],
                "conditions": {"ready": True, "serving": True},
                "targetRef": {"kind": "Pod", "name": "p1"},
            },
            {
                "addresses": ["127.10.0.3"],
                "conditions": {"ready": False, "serving": True, "terminating": True},
                "targetRef": {"kind": "Pod", "name": "p2"},
            },
        ],
    }
    eps = endpoints_of_slice("idc-a", slice_)
    assert [(e.pod, e.desired_state, e.stage) for e in eps] == [
        ("p1", "ready", "gray"),
        ("p2", "drain", "gray"),
    ]
    assert eps[0].backend == "shop.prod"
    assert endpoints_of_slice("idc-a", {"metadata": {"labels": {}}}) == []


def test_long_names_are_shortened_stably() -> None:
    long = server_name("idc-a", "namespace-" * 5, "pod-" * 10)
    assert len(long) <= 63
    assert long == server_name("idc-a", "namespace-" * 5, "pod-" * 10)
    assert long != server_name("idc-a", "namespace-" * 5, "pod-" * 10 + "x")


def test_new_ready_endpoints_are_added_with_free_ids() -> None:
    plan = plan_backend(BACKEND, [ep("a"), ep("b", address="127.10.0.3")], [srv("a")])
    assert plan.added == [server_name("idc-a", "shop", "b")]
    assert plan.commands == [
        f"add server {BACKEND}/idc-a.shop.b 127.10.0.3:8080 id 2 weight 100",
        f"set server {BACKEND}/idc-a.shop.b state ready",
    ]


def test_going_away_drains_first_and_deletes_only_without_sessions() -> None:
    gone = server_name("idc-a", "shop", "old")
    step1 = plan_backend(BACKEND, [ep("a")], [srv("a"), srv("old", server_id=2)])
    assert step1.commands == [f"set server {BACKEND}/{gone} state drain"]
    draining = srv("old", server_id=2, admin=0x08)
    busy = plan_backend(BACKEND, [ep("a")], [srv("a"), draining], sessions={gone: 3})
    assert busy.empty
    idle = plan_backend(BACKEND, [ep("a")], [srv("a"), draining], sessions={gone: 0})
    assert idle.commands == [
        f"set server {BACKEND}/{gone} state maint",
        f"del server {BACKEND}/{gone}",
    ]


def test_terminating_but_serving_is_drained_not_removed() -> None:
    plan = plan_backend(
        BACKEND,
        [ep("a"), ep("b", ready=False, serving=True, terminating=True)],
        [srv("a"), srv("b", server_id=2)],
    )
    assert plan.commands == [f"set server {BACKEND}/idc-a.shop.b state drain"]
    assert plan_backend(
        BACKEND, [ep("a"), ep("c", ready=False, serving=True, terminating=True)], [srv("a")]
    ).empty  # never added just to be drained


def test_stale_clusters_are_left_alone() -> None:
    actual = [srv("a"), srv("b", cluster="idc-b", server_id=2)]
    plan = plan_backend(BACKEND, [ep("a")], actual, stale_clusters=frozenset({"idc-b"}))
    assert plan.empty


def test_emptying_a_serving_backend_needs_confirmation() -> None:
    actual = [srv("a"), srv("b", server_id=2)]
    refused = plan_backend(BACKEND, [], actual)
    assert refused.empty
    assert refused.refused is not None
    confirmed = plan_backend(BACKEND, [], actual, allow_empty=True)
    assert len(confirmed.drained) == 2


def test_a_pod_whose_address_changed_is_replaced() -> None:
    plan = plan_backend(BACKEND, [ep("a", address="127.10.0.9")], [srv("a")])
    assert plan.deleted == plan.added == ["idc-a.shop.a"]
    assert "127.10.0.9:8080" in plan.commands[-2]
    assert plan.commands[0].endswith("state maint")  # the old one goes first


def test_the_service_weight_label_sets_server_weights() -> None:
    slice_: dict[str, Any] = {
        "metadata": {
            "name": "shop-gray-1",
            "namespace": "shop",
            "labels": {
                "flotilla.io/app": "shop",
                "flotilla.io/env": "prod",
                "flotilla.io/stage": "gray",
                "flotilla.io/weight": "25",
            },
        },
        "ports": [{"port": 8080}],
        "endpoints": [
            {
                "addresses": ["127.10.0.5"],
                "conditions": {"ready": True},
                "targetRef": {"kind": "Pod", "name": "g1"},
            }
        ],
    }
    (gray,) = endpoints_of_slice("idc-a", slice_)
    assert (gray.stage, gray.weight) == ("gray", 25)
    slice_["metadata"]["labels"]["flotilla.io/weight"] = "lots"  # a bad label keeps the default
    assert endpoints_of_slice("idc-a", slice_)[0].weight == 100
    slice_["metadata"]["labels"]["flotilla.io/weight"] = "999"
    assert endpoints_of_slice("idc-a", slice_)[0].weight == 256

    added = plan_backend(BACKEND, [ep("g1", weight=25)], [])
    assert added.commands[0].endswith("weight 25")
    changed = plan_backend(BACKEND, [ep("a", weight=10)], [srv("a")])
    assert changed.commands == [f"set server {BACKEND}/idc-a.shop.a weight 10"]
    assert changed.reweighted == {"idc-a.shop.a": 10}
    assert plan_backend(BACKEND, [ep("a")], [srv("a")]).empty


def test_read_back_reports_what_did_not_take() -> None:
    plan = plan_backend(BACKEND, [ep("a", weight=10), ep("b")], [srv("a"), srv("c", server_id=2)])
    assert _unapplied(plan, [srv("a", weight=10), srv("b", server_id=3), srv("c", admin=8)]) == []
    assert _unapplied(plan, [srv("a"), srv("c")]) == [
        "idc-a.shop.b",
        "idc-a.shop.c",
        "idc-a.shop.a",
    ]
