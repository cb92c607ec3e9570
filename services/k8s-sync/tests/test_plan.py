"""Unit tests of the pure desired-state and planning logic (no I/O, so no real components)."""

from __future__ import annotations

from typing import Any

from k8s_sync.ingress.haproxy import ServerState
from k8s_sync.sync.desired import Endpoint, endpoints_of_slice
from k8s_sync.sync.plan import plan_backend, unapplied

BACKEND = "shop.prod"
FREE = "127.0.0.1"


def ep(
    pod: str,
    address: str,
    *,
    cluster: str = "idc-a",
    ready: bool = True,
    serving: bool | None = None,
    terminating: bool = False,
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


def slot(
    n: int, address: str = FREE, *, state: str = "maint", weight: int = 100, port: int = 8080
) -> ServerState:
    admin = {"maint": 0x05, "ready": 0x04, "drain": 0x0C}[state]
    return ServerState(
        backend=BACKEND,
        name=f"s{n}",
        address=address,
        port=1 if address == FREE else port,
        server_id=n,
        op_state="running" if state != "maint" else "stopped",
        admin_state=admin,
        weight=weight,
    )


def test_admin_state_bits_of_a_rendered_slot() -> None:
    # 0x04 ("configured disabled") stays set on a template slot once it is put in service.
    assert [slot(1).state, slot(1, "10.0.0.1", state="ready").state] == ["maint", "ready"]
    assert slot(1, "10.0.0.1", state="drain").state == "drain"


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


def test_new_ready_endpoints_fill_free_slots_in_order() -> None:
    plan = plan_backend(
        BACKEND,
        [ep("a", "10.0.0.1"), ep("b", "10.0.0.2")],
        [slot(1, "10.0.0.1", state="ready"), slot(2), slot(3)],
    )
    assert plan.filled == {"s2": ("10.0.0.2", 8080)}
    assert plan.commands == [
        f"set server {BACKEND}/s2 addr 10.0.0.2 port 8080",
        f"set server {BACKEND}/s2 weight 100",
        f"set server {BACKEND}/s2 state ready",
    ]
    assert plan.missing == 0


def test_the_slot_that_held_an_address_is_reused_for_it() -> None:
    plan = plan_backend(
        BACKEND, [ep("a", "10.0.0.7")], [slot(1, "10.0.0.9"), slot(2, "10.0.0.7"), slot(3)]
    )
    assert list(plan.filled) == ["s2"]


def test_going_away_drains_first_and_frees_only_without_sessions() -> None:
    step1 = plan_backend(
        BACKEND,
        [ep("a", "10.0.0.1")],
        [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="ready")],
    )
    assert step1.commands == [f"set server {BACKEND}/s2 state drain"]
    draining = [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="drain")]
    busy = plan_backend(BACKEND, [ep("a", "10.0.0.1")], draining, sessions={"s2": 3})
    assert busy.empty
    idle = plan_backend(BACKEND, [ep("a", "10.0.0.1")], draining, sessions={"s2": 0})
    assert idle.commands == [f"set server {BACKEND}/s2 state maint"]
    assert idle.freed == ["s2"]


def test_terminating_but_serving_is_drained_not_freed() -> None:
    plan = plan_backend(
        BACKEND,
        [ep("a", "10.0.0.1"), ep("b", "10.0.0.2", ready=False, serving=True, terminating=True)],
        [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="ready")],
    )
    assert plan.commands == [f"set server {BACKEND}/s2 state drain"]
    never = plan_backend(
        BACKEND,
        [ep("a", "10.0.0.1"), ep("c", "10.0.0.3", ready=False, serving=True, terminating=True)],
        [slot(1, "10.0.0.1", state="ready"), slot(2)],
    )
    assert never.empty  # never put in a slot just to be drained


def test_stale_endpoints_are_left_alone() -> None:
    actual = [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.1.1", state="ready"), slot(3)]
    stale = frozenset({("10.0.1.1", 8080), ("10.0.1.2", 8080)})
    plan = plan_backend(
        BACKEND,
        [ep("a", "10.0.0.1"), ep("z", "10.0.1.2", cluster="idc-b")],
        actual,
        stale=stale,
    )
    assert plan.empty  # not drained, and the stale cluster's new endpoint not filled either


def test_emptying_a_serving_backend_needs_confirmation() -> None:
    actual = [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="ready")]
    refused = plan_backend(BACKEND, [], actual)
    assert refused.empty
    assert refused.refused is not None
    confirmed = plan_backend(BACKEND, [], actual, allow_empty=True)
    assert confirmed.drained == ["s1", "s2"]


def test_more_endpoints_than_slots_are_counted_missing() -> None:
    plan = plan_backend(
        BACKEND,
        [ep(p, f"10.0.0.{i}") for i, p in enumerate("abcd", start=1)],
        [slot(1), slot(2)],
    )
    assert len(plan.filled) == 2
    assert plan.missing == 2


def test_a_drained_slot_is_not_refilled_in_the_same_batch() -> None:
    plan = plan_backend(
        BACKEND,
        [ep("new", "10.0.0.5")],
        [slot(1, "10.0.0.1", state="ready")],
    )
    assert plan.drained == ["s1"]
    assert plan.missing == 1  # the draining slot still carries sessions


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

    added = plan_backend(BACKEND, [ep("g1", "10.0.0.5", weight=25)], [slot(1)])
    assert added.commands[1].endswith("weight 25")
    served = [slot(1, "10.0.0.1", state="ready")]
    changed = plan_backend(BACKEND, [ep("a", "10.0.0.1", weight=10)], served)
    assert changed.commands == [f"set server {BACKEND}/s1 weight 10"]
    assert changed.reweighted == {"s1": 10}
    assert plan_backend(BACKEND, [ep("a", "10.0.0.1")], served).empty


def test_read_back_reports_what_did_not_take() -> None:
    plan = plan_backend(
        BACKEND,
        [ep("a", "10.0.0.1", weight=10), ep("b", "10.0.0.2")],
        [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.3", state="ready"), slot(3)],
    )
    assert plan.filled == {"s3": ("10.0.0.2", 8080)}
    assert plan.drained == ["s2"]
    took = [
        slot(1, "10.0.0.1", state="ready", weight=10),
        slot(2, "10.0.0.3", state="drain"),
        slot(3, "10.0.0.2", state="ready"),
    ]
    assert unapplied(plan, took) == []
    lost = [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.3", state="ready"), slot(3)]
    assert unapplied(plan, lost) == ["s3", "s2", "s1"]


# --- what mutation testing found unpinned (./flotilla mutate planner; tests/mutation.toml) ---


def test_an_empty_plan_says_so() -> None:
    assert plan_backend(BACKEND, [ep("a", "10.0.0.1")], [slot(1, "10.0.0.1", state="ready")]).empty
    assert not plan_backend(BACKEND, [ep("a", "10.0.0.1")], [slot(1)]).empty


def test_a_backend_with_nothing_ready_may_be_emptied() -> None:
    """The never-empty guard counts slots that serve now (ready), not draining or free ones:
    letting a drained slot go leaves nothing worse than before."""
    actual = [slot(1, "10.0.0.1", state="drain"), slot(2)]
    plan = plan_backend(BACKEND, [], actual)
    assert plan.refused is None
    assert plan.freed == ["s1"]


def test_draining_every_endpoint_is_emptying_the_backend() -> None:
    """Every wanted endpoint terminating (to be drained) leaves nothing ready: refused."""
    actual = [slot(1, "10.0.0.1", state="ready")]
    going = [ep("a", "10.0.0.1", ready=False, serving=True, terminating=True)]
    assert plan_backend(BACKEND, going, actual).refused is not None
    assert plan_backend(BACKEND, going, actual, allow_empty=True).drained == ["s1"]


def test_a_stale_cluster_serving_keeps_the_backend_from_counting_as_emptied() -> None:
    """Only a stale cluster's pod serves, and nothing else is wanted: nothing is left empty
    (the stale pod goes on serving), so the plan is not refused — and touches nothing."""
    actual = [slot(1, "10.0.1.1", state="ready")]
    plan = plan_backend(BACKEND, [], actual, stale=frozenset({("10.0.1.1", 8080)}))
    assert plan.refused is None
    assert plan.empty


def test_a_draining_slot_whose_pod_is_ready_again_serves_again() -> None:
    plan = plan_backend(BACKEND, [ep("a", "10.0.0.1")], [slot(1, "10.0.0.1", state="drain")])
    assert plan.commands == [f"set server {BACKEND}/s1 state ready"]
    assert plan.drained == []


def test_a_weight_raised_is_set_too() -> None:
    served = [slot(1, "10.0.0.1", state="ready", weight=10)]
    plan = plan_backend(BACKEND, [ep("a", "10.0.0.1", weight=100)], served)
    assert plan.commands == [f"set server {BACKEND}/s1 weight 100"]
    assert plan.reweighted == {"s1": 100}
    assert plan.drained == []


def test_a_draining_slot_gets_no_weight_and_is_listed_as_drained() -> None:
    plan = plan_backend(
        BACKEND,
        [
            ep("a", "10.0.0.1"),
            ep("b", "10.0.0.2", ready=False, serving=True, terminating=True, weight=50),
        ],
        [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="ready")],
    )
    assert plan.commands == [f"set server {BACKEND}/s2 state drain"]
    assert plan.drained == ["s2"]
    assert plan.reweighted == {}


def test_a_drained_slot_without_a_session_count_is_idle() -> None:
    """No sessions reported for a slot (HAProxy lists none): it is idle, and freed."""
    draining = [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="drain")]
    plan = plan_backend(BACKEND, [ep("a", "10.0.0.1")], draining)
    assert plan.freed == ["s2"]


def test_read_back_checks_each_thing_a_batch_did() -> None:
    filled = plan_backend(BACKEND, [ep("a", "10.0.0.5")], [slot(1)])
    assert filled.filled == {"s1": ("10.0.0.5", 8080)}
    assert unapplied(filled, [slot(1, "10.0.0.5", state="ready")]) == []
    assert unapplied(filled, [slot(1, "10.0.0.5", state="maint")]) == ["s1"]  # not in service
    assert unapplied(filled, [slot(1, "10.0.0.4", state="ready")]) == ["s1"]  # another address
    assert unapplied(filled, [slot(1, "10.0.0.6", state="ready")]) == ["s1"]
    assert unapplied(filled, [slot(1, "10.0.0.5", state="ready", port=8081)]) == ["s1"]
    assert unapplied(filled, []) == ["s1"]  # the slot is gone

    draining = [slot(1, "10.0.0.1", state="ready"), slot(2, "10.0.0.2", state="drain")]
    freed = plan_backend(BACKEND, [ep("a", "10.0.0.1")], draining)
    assert freed.freed == ["s2"]
    kept = [slot(1, "10.0.0.1", state="ready")]
    assert unapplied(freed, [*kept, slot(2, "10.0.0.2", state="maint")]) == []
    assert unapplied(freed, [*kept, slot(2, "10.0.0.2", state="drain")]) == ["s2"]
    assert unapplied(freed, [*kept, slot(2, "10.0.0.2", state="ready")]) == ["s2"]
    assert unapplied(freed, kept) == []  # a slot no longer listed is not reported

    before = [slot(1, "10.0.0.1", state="ready", weight=10)]
    raised = plan_backend(BACKEND, [ep("a", "10.0.0.1", weight=100)], before)
    assert unapplied(raised, [slot(1, "10.0.0.1", state="ready", weight=100)]) == []
    assert unapplied(raised, [slot(1, "10.0.0.1", state="ready", weight=10)]) == ["s1"]
