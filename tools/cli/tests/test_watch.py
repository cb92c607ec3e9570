"""The watch's view of a release: ingress per cluster, the tree, the CI log lines."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from flotilla_cli.errors import Exit
from flotilla_cli.transport import Event
from flotilla_cli.watch import Snapshot, event_line, ingress_per_cluster, outcome, tree


def _server(cluster: str, pod: str, state: str = "ready") -> dict[str, Any]:
    return {"cluster": cluster, "pod": pod, "address": "127.0.0.1", "port": 1, "state": state}


def test_ingress_counts_what_every_live_instance_serves() -> None:
    status = {
        "desired": [_server("a1", "p1"), _server("a1", "p2"), _server("b1", "q1", "drain")],
        "instances": [
            {"up": True, "applied": [_server("a1", "p1"), _server("a1", "p2")]},
            {"up": True, "applied": [_server("a1", "p1")]},  # behind: the view says 1
            {"up": False, "applied": []},  # down: not counted
        ],
    }
    assert ingress_per_cluster(status) == {"a1": (1, 2)}  # b1: only a draining pod


RELEASE: dict[str, Any] = {
    "id": "3f2a91c0-0000-0000-0000-000000000000",
    "app": "shop",
    "env": "prod",
    "image": "shop/web:2.0",
    "strategy": "blue-green",
    "phase": "running",
    "rollback_of": None,
    "created_at": "2026-12-05T01:00:00Z",
    "finished_at": None,
    "plan": {
        "waves": [
            {
                "name": "canary",
                "state": "soaking",
                "started_at": "2026-12-05T01:00:00Z",
                "analysis": {"state": "passed", "checks": {"error-rate": {"verdict": "passed"}}},
            },
            {"name": "rest", "state": "pending"},
        ]
    },
    "clusters": [
        {
            "cluster": "a1",
            "idc": "idc-a",
            "wave": 0,
            "phase": "succeeded",
            "progress": {"ready": 2, "desired": 2},
            "error": None,
            "started_at": "2026-12-05T01:00:00Z",
            "finished_at": "2026-12-05T01:00:09Z",
        },
        {
            "cluster": "b1",
            "idc": "idc-b",
            "wave": 1,
            "phase": "waiting-promote",
            "progress": {"ready": 1, "desired": 2},
            "error": None,
        },
    ],
}


def test_the_tree_groups_clusters_by_wave_and_idc() -> None:
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(
        tree(Snapshot(RELEASE, {"a1": (2, 2), "b1": (0, 2)}))
    )
    text = out.getvalue()
    assert "shop → prod  shop/web:2.0  blue-green  running" in text
    assert "wave 1 canary  soaking" in text
    assert "analysis passed (error-rate passed)" in text
    assert "a1  succeeded  pods 2/2  ingress 2/2  0:09" in text
    assert "b1  waiting-promote  pods 1/2  ingress 0/2" in text
    assert "waits for promotion: flotilla release promote shop 3f2a91c0" in text
    assert text.index("IDC idc-a") < text.index("wave 2 rest") < text.index("IDC idc-b")


def test_event_lines_and_outcomes() -> None:
    line = event_line(
        Event(
            "9",
            "io.flotilla.rollout.phase_changed",
            {"cluster": "a1", "previous_phase": "applying", "phase": "waiting-ready"},
        ),
        started=0.0,
    )
    assert "rollout.phase_changed" in line
    assert "a1" in line
    assert "applying → waiting-ready" in line
    assert outcome({**RELEASE, "phase": "succeeded"}) == Exit.OK
    assert outcome({**RELEASE, "phase": "partially-failed"}) == Exit.FAILED
    assert outcome({**RELEASE, "phase": "rolled-back"}) == Exit.FAILED  # its failure policy
    assert outcome({**RELEASE, "phase": "rolled-back", "rollback_of": "x"}) == Exit.OK
