"""Exec hooks run "declared or not": a program the image does not contain fails the hook as on
a real kubelet (the release-api defaults once called /opt/flotilla/bin/*, which no image had)."""

from __future__ import annotations

from typing import Any

from kubernetes_asyncio import client

from flotilla_devstack.kubesim import SimulatedCluster

from .conftest import admin
from .workloads import until


def hooked_pod(name: str, image: str, post_start: list[str]) -> Any:
    return {
        "metadata": {"name": name, "annotations": {"kubesim.flotilla.io/ready-after-seconds": "0"}},
        "spec": {
            "terminationGracePeriodSeconds": 2,
            "containers": [
                {
                    "name": "app",
                    "image": image,
                    "lifecycle": {
                        "postStart": {"exec": {"command": post_start}},
                        "preStop": {"exec": {"command": ["/opt/flotilla/bin/offline"]}},
                    },
                }
            ],
        },
    }


async def test_a_hook_whose_program_the_image_lacks_fails_like_on_a_kubelet(
    api: client.ApiClient, namespace: str, cluster: SimulatedCluster
) -> None:
    core = client.CoreV1Api(api)
    await admin(cluster, "POST", "image-commands", image="hooks:*", programs=["/app/bin/warm"])
    try:
        await core.create_namespaced_pod(
            namespace, hooked_pod("good", "hooks:1", ["/app/bin/warm"])
        )
        # the old default: a shell that runs a program nobody put in the image
        old = [
            "/bin/sh",
            "-c",
            "/opt/flotilla/bin/preload && until wget -q -O- x; do sleep 1; done",
        ]
        await core.create_namespaced_pod(namespace, hooked_pod("bad", "hooks:1", old))

        async def state(name: str) -> tuple[bool, str | None]:
            pod = await core.read_namespaced_pod(name, namespace)
            ready = any(
                c.type == "Ready" and c.status == "True" for c in pod.status.conditions or []
            )
            waiting = [
                s.state.waiting.reason
                for s in pod.status.container_statuses or []
                if s.state and s.state.waiting
            ]
            return ready, (waiting[0] if waiting else None)

        async def outcomes() -> bool:
            return (await state("good"))[0] and (await state("bad"))[1] == "CrashLoopBackOff"

        await until(outcomes, timeout_s=15, what="the declared hook to pass, the other to fail")

        async def reasons() -> set[str]:
            events = (await core.list_namespaced_event(namespace)).items
            return {f"{e.involved_object.name}:{e.reason}" for e in events}

        await until(
            lambda: _has(reasons, "bad:FailedPostStartHook"), what="FailedPostStartHook event"
        )
        assert "good:FailedPostStartHook" not in await reasons()
        events = (await core.list_namespaced_event(namespace)).items
        message = next(e.message for e in events if e.reason == "FailedPostStartHook")
        assert '"/opt/flotilla/bin/preload"' in message

        # preStop with a missing program: recorded, and SIGTERM follows at once
        await core.delete_namespaced_pod("good", namespace)
        await until(lambda: _has(reasons, "good:FailedPreStopHook"), what="FailedPreStopHook event")
    finally:
        await admin(cluster, "POST", "image-commands", image="hooks:*", programs=[])


async def _has(reasons: Any, wanted: str) -> bool:
    return wanted in await reasons()
