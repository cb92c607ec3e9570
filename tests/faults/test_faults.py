"""Issue 15's fault suite: one fault at a time while a 3-cluster release runs and 100 req/s go
through each of the two ingress instances, on the local stack with every piece its own process
(PostgreSQL, Kafka, kubesim, HAProxy ×2, release-api ×2, cluster-registry, k8s-sync ×2,
monitor-gateway), k8s-sync reaching HAProxy's runtime API through a proxy that can cut it.

For every fault (flotilla_devstack.faults): the release ends as it would have without it; not
one request fails at the ingress; each event is published once, none is lost, each key in its
order; every write accepted during the fault is in the audit log and every refused one changed
nothing; the API answered 200 or a 503 problem with Retry-After, never a 500; no process exited
but the ones the fault killed; each phase change happened once.

The stack (conftest.py) is shared by the faults (each on an app of its own).
"""

from __future__ import annotations

import json

import pytest

from flotilla_devstack import faults, handover
from flotilla_devstack.stack import KUBESIM_CLUSTERS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", faults.FAULT_NAMES)
async def test_a_release_rides_out(name: str, world: faults.FaultWorld) -> None:
    assert set(world.faults()) == set(faults.FAULT_NAMES)
    fault = world.faults()[name]
    outcome = await faults.FaultRun(world.stack, fault, app=f"f-{name}").run()
    problems = outcome.problems()
    assert problems == [], "\n".join([json.dumps({"fault": name, **outcome.summary()}), *problems])
    # ... and the fault was met
    if name == "database-stopped":
        assert outcome.answers["release-api"]["503"] > 0, outcome.answers
    if name in ("registry-killed", "k8s-sync-killed"):
        service = "cluster-registry" if name == "registry-killed" else "k8s-sync"
        assert outcome.answers[service]["ConnectError"] > 0, outcome.answers
    if name == "runtime-socket-cut":
        assert sum(c.cuts for c in world.cutters.values()) > 0


async def test_sigterm_hands_rollouts_and_streams_over(world: faults.FaultWorld) -> None:
    """SIGTERM to the release-api replica that runs the rollouts, mid-release, with an event
    stream open on it and a request in flight (flotilla_devstack.handover): the request is
    answered, the stream ends with a `reconnect` event and resumes on the other replica
    without a gap or a repeat, the other replica takes the rollouts over long before the
    shutdown timeout (10 s) would have let it, no step is done twice (each phase entered
    once), the release succeeds and no request fails at the ingress."""
    done = await handover.sigterm_the_runner(world.stack, "f-sigterm")
    assert done.on_stopped[-1][1] == "reconnect", done.on_stopped
    # resumed where it stopped: every event once, none missing
    assert done.on_stopped[:-1] + done.resumed == done.everything, done
    assert done.in_flight == 201  # answered although the signal came mid-request
    assert done.in_flight_kept
    # Without draining, the stream would hold the process for the whole shutdown timeout
    # (10 s) and the lock would go only with the process: these bounds tell the two apart.
    assert done.stream_end_s < 5, done.summary()
    assert done.handover_s < 8, done.summary()
    assert done.release["phase"] == "succeeded", done.release
    assert done.phase_changes == {
        f"{c}/{phase}": 1
        for c in KUBESIM_CLUSTERS
        for phase in ("applying", "waiting-ready", "waiting-ingress", "succeeded")
    }, done.phase_changes
    assert done.failed_requests == 0, done.served
    assert "leadership_handed_over" in done.log
    assert "rollout_step_cut_at_handover" not in done.log
