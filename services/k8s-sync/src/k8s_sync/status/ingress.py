"""/v1/ingress: each HAProxy instance (generation, last reload, slots) and the route table."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from flotilla_runtime.auth import Viewer
from flotilla_runtime.errors import PROBLEM_RESPONSES
from k8s_sync.deps import EngineDep
from k8s_sync.ingress.instance import IngressInstance
from k8s_sync.status.schemas import InstanceOut, ReloadOut, RouteErrorOut, RouteOut, RoutesOut

router = APIRouter(tags=["ingress"], responses=PROBLEM_RESPONSES)


def _instance(instance: IngressInstance) -> InstanceOut:
    running = instance.running
    reload = instance.last_reload
    used, total = instance.slots()
    pending = False
    if instance.desired is not None and instance.up:
        pending = running is None or instance.wanted_layout()[0] != running.layout
    return InstanceOut(
        name=instance.ingress,
        up=instance.up,
        pid=instance.pid,
        last_error=instance.last_error,
        generation=running.number if running else None,
        layout_digest=running.layout.digest() if running else None,
        pending_reload=pending,
        last_reload=ReloadOut(
            generation=reload.generation,
            at=datetime.fromtimestamp(reload.at, UTC),
            duration_ms=round(reload.duration_s * 1000, 1),
            render_ms=round(reload.render_s * 1000, 2),
            outcome=reload.outcome,
            reason=reload.reason,
            error=reload.error,
        )
        if reload
        else None,
        backends=len(running.layout.backends) if running else 0,
        slots_used=used,
        slots_free=total - used,
        failing_backends=dict(instance.failures),
        applied_batches=instance.applied_batches,
    )


@router.get("/ingress/instances", operation_id="ingressInstances", summary="Every HAProxy instance")
async def instances(engine: EngineDep, _: Viewer) -> list[InstanceOut]:
    return [_instance(i) for i in engine.instances]


@router.get("/ingress/routes", operation_id="ingressRoutes", summary="The route table")
async def routes(engine: EngineDep, _: Viewer) -> RoutesOut:
    table = engine.routes
    return RoutesOut(
        routes=[
            RouteOut(
                app=r.app,
                env=r.env,
                backend=r.backend,
                hosts=list(r.hosts),
                gray_twin=r.twin if r.gray else None,
                errors=table.errors.get(r.backend, []),
            )
            for _, r in sorted(table.routes.items())
        ],
        refused=[
            RouteErrorOut(backend=b, errors=e)
            for b, e in sorted(table.errors.items())
            if b not in table.routes
        ],
    )
