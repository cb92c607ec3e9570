"""Dependencies of k8s-sync's endpoints, read from request state."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from k8s_sync.status.reads import SharedReads, WaitLimits
from k8s_sync.workers.ingress_sync import IngressSync


def get_engine(request: Request) -> IngressSync:
    return cast(IngressSync, request.state.ingress_sync)


def get_reads(request: Request) -> SharedReads:
    return cast(SharedReads, request.state.sync_reads)


def get_waits(request: Request) -> WaitLimits:
    return cast(WaitLimits, request.state.sync_waits)


EngineDep = Annotated[IngressSync, Depends(get_engine)]
ReadsDep = Annotated[SharedReads, Depends(get_reads)]
WaitsDep = Annotated[WaitLimits, Depends(get_waits)]
