"""Putting a cluster back as it was before a release: for a rollout that failed or was aborted
midway (`undo`, release_api.rollouts.steps), and for one that had succeeded — its release
rolls back after a later failure (the plan's `rollback`) or an operator asks for the whole
fleet back (`fleet-rollback`).

What "back" means per strategy:
- rolling (and gray once promoted): the Deployment's template as it was before the release
  (kept on the rollout when it started); Kubernetes rolls the pods back with the same surge
  and drain rules, keeping the old ReplicaSet's pods when it still has them.
- gray not yet promoted: the gray stage removed (stable was never changed).
- blue-green: the Service switched back to the colour that was live, and the new colour scaled
  down. Once the old colour was itself scaled down (`scale_down_delay_s` after success), it is
  scaled up first and the switch waits until its pods are ready, so no request meets an empty
  Service.
"""

from __future__ import annotations

import asyncio

from kubernetes_asyncio import client

from flotilla_contracts.enums import Stage, Strategy
from release_api import kubeops
from release_api.manifests.render import object_name
from release_api.models import Release, Rollout
from release_api.rollouts.state import RolloutProgress

READY_WAIT_S = 300.0  # how long a scaled-up old colour may take to be ready before the switch


class NotReadyInTime(Exception):
    """The old colour did not become ready in time: the Service was not switched back."""


async def put_back(api: client.ApiClient, release: Release, rollout: Rollout) -> bool:
    """Put the cluster back as it was before `release`; True when there was something to put
    back (a previous version, the live colour, a gray stage)."""
    progress = RolloutProgress.of(rollout.progress)
    if release.strategy == Strategy.BLUE_GREEN.value:
        idle = progress.idle or Stage.BLUE
        live = progress.live
        if live is None:
            return False
        if progress.switched:
            if progress.scaled_down is not None:  # the old colour is gone: bring it back first
                await _scale_up_and_wait(api, rollout, object_name(release.app, live))
            await kubeops.switch_service(api, rollout.namespace, release.app, live)
        await kubeops.scale(api, rollout.namespace, object_name(release.app, idle), 0)
        return True
    put = False
    if release.strategy == Strategy.GRAY.value:
        await kubeops.remove_stage(api, rollout.namespace, release.app, Stage.GRAY)
        put = progress.step == "gray"
    stable = object_name(release.app, Stage.STABLE)
    if rollout.previous:  # restored as it was: unpaused, whatever the hold had done
        await kubeops.restore_deployment(api, rollout.namespace, stable, rollout.previous)
        put = True
    else:  # nothing to go back to (a first release): at least not left paused by the hold
        await kubeops.lift_hold(api, rollout.namespace, stable)
    return put


async def _scale_up_and_wait(api: client.ApiClient, rollout: Rollout, name: str) -> None:
    await kubeops.scale(api, rollout.namespace, name, rollout.replicas)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_WAIT_S
    while True:
        deployment = await kubeops.read_deployment(api, rollout.namespace, name)
        status = (deployment or {}).get("status") or {}
        if int(status.get("readyReplicas") or 0) >= rollout.replicas:
            return
        if loop.time() > deadline:
            raise NotReadyInTime(f"{name} not ready {READY_WAIT_S:g} s after it was scaled up")
        await asyncio.sleep(0.5)
