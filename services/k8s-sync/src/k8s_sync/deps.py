"""Dependencies of k8s-sync's endpoints, read from request state."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from k8s_sync.workers.ingress_sync import IngressSync


def get_engine(request: Request) -> IngressSync:
    return cast(IngressSync, request.state.ingress_sync)


EngineDep = Annotated[IngressSync, Depends(get_engine)]
