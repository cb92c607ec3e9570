"""Dependencies of monitor-gateway's endpoints, read from request state."""

from __future__ import annotations

import asyncio
from typing import Annotated, cast

from fastapi import Depends, Request

from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.egress import Egress
from monitor_gateway.logs.pool import LogsPool
from monitor_gateway.metrics.client import Prometheus
from monitor_gateway.settings import Settings
from monitor_gateway.teams import AppTeams
from monitor_gateway.workers.alert_engine import AlertEngine


def get_prometheus(request: Request) -> Prometheus:
    return cast(Prometheus, request.state.prometheus)


def get_alerts(request: Request) -> AlertEngine:
    return cast(AlertEngine, request.state.alerts)


def get_logs_pool(request: Request) -> LogsPool:
    return cast(LogsPool, request.state.logs_pool)


def get_tails(request: Request) -> asyncio.Semaphore:
    """How many live tails this replica may still serve."""
    return cast(asyncio.Semaphore, request.state.tails)


def get_teams(request: Request) -> AppTeams:
    return cast(AppTeams, request.state.teams)


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.state.settings)


def get_egress(request: Request) -> Egress:
    """Where an analysis webhook may be called (flotilla_runtime.egress)."""
    return cast(Egress, request.state.egress)


def get_cipher(request: Request) -> CredentialCipher:
    """Seals notification secrets (MONITOR_GATEWAY_NOTIFY_SECRET_KEYS)."""
    return cast(CredentialCipher, request.state.cipher)


CipherDep = Annotated[CredentialCipher, Depends(get_cipher)]
EgressDep = Annotated[Egress, Depends(get_egress)]
PrometheusDep = Annotated[Prometheus, Depends(get_prometheus)]
AlertsDep = Annotated[AlertEngine, Depends(get_alerts)]
LogsPoolDep = Annotated[LogsPool, Depends(get_logs_pool)]
TailsDep = Annotated[asyncio.Semaphore, Depends(get_tails)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TeamsDep = Annotated[AppTeams, Depends(get_teams)]
