"""Flotilla monitor gateway service: create_app(settings) and its console script."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import FastAPI

from flotilla_contracts import topics
from flotilla_runtime.app import Resources, ServiceSpec, create_service_app
from flotilla_runtime.audit import router as audit_router
from flotilla_runtime.cli import run_service_cli
from flotilla_runtime.clusters import ClusterEvents, ClusterSource
from flotilla_runtime.consumer import EventConsumer
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.egress import Egress
from flotilla_runtime.leader import LeaderLock
from flotilla_runtime.registry import RegistryClient
from flotilla_runtime.supervisor import Worker
from monitor_gateway import __version__
from monitor_gateway.alerts.endpoints import router as alerts_router
from monitor_gateway.alerts.webhooks import WebhookSender
from monitor_gateway.analysis.endpoints import router as analysis_router
from monitor_gateway.logs.endpoints import router as logs_router
from monitor_gateway.logs.pool import LogsPool
from monitor_gateway.logs.store import Partitions
from monitor_gateway.metrics.client import Prometheus
from monitor_gateway.metrics.endpoints import router as metrics_router
from monitor_gateway.notify.endpoints import router as notify_router
from monitor_gateway.notify.senders import Senders, Smtp
from monitor_gateway.notify.workers import ClusterIdcs, Deliverer, NotifyHandler
from monitor_gateway.settings import Settings
from monitor_gateway.teams import AppTeams
from monitor_gateway.workers.alert_engine import AlertEngine
from monitor_gateway.workers.log_ingest import LogIngest
from monitor_gateway.workers.log_retention import Retention

MIGRATIONS = Path(__file__).parent / "alembic"


def _log_ingest(settings: Settings, pool: LogsPool) -> list[Worker]:
    """The consumer of the log topic and the day partitions' upkeep."""
    partitions = Partitions(settings.logs_retention_days)
    ingest = LogIngest(
        pool,
        settings,
        partitions,
        topic=settings.logs_topic,
        group_id=settings.logs_group,
        max_batch=settings.logs_batch_max,
    )
    return [Retention(pool, partitions), ingest]


def build_workers(
    resources: Resources,
    *,
    registry: httpx.AsyncClient | None = None,
    release_api: httpx.AsyncClient | None = None,
) -> Sequence[Worker]:
    """`registry` and `release_api` replace the HTTP clients of those services (tests hand
    in-process ones)."""
    settings = cast(Settings, resources.settings)
    pool = LogsPool(settings.database_url)
    leader = LeaderLock(settings.database_url, "monitor-gateway-alerts")
    alerts = AlertEngine(
        resources.sessionmaker,
        tick_s=settings.alert_tick_s,
        resolve_hold_s=settings.alert_resolve_hold_s,
        is_leader=lambda: leader.is_leader,
    )
    token = settings.service_bearer()
    idcs = ClusterIdcs(alerts.set_clusters)
    source = ClusterSource(
        RegistryClient(
            registry or httpx.AsyncClient(base_url=settings.cluster_registry_url, timeout=10),
            token=token,
        ),
        idcs,
        refresh_s=settings.cluster_refresh_s,
    )
    workers: list[Worker] = [
        pool,
        *(_log_ingest(settings, pool) if settings.logs_ingest else ()),
        leader,
        source,
        ClusterEvents(source, settings),
        alerts,
    ]
    if settings.alert_webhooks:
        workers.append(
            EventConsumer(
                name="alert-webhooks",
                topics=[topics.ALERTS],
                group_id="monitor-gateway.alert-webhooks",
                handler=WebhookSender(settings.alert_webhooks),
                engine=resources.engine,
                settings=settings,
            )
        )
    prometheus = Prometheus(settings.prometheus_url, cache_s=settings.metrics_cache_s)
    teams = AppTeams(
        release_api or httpx.AsyncClient(base_url=settings.release_api_url, timeout=5),
        token=token,
    )
    cipher = CredentialCipher(settings.notify_secret_keys.get_secret_value())
    workers += [prometheus, teams, *_notifications(resources, settings, teams, idcs, cipher)]
    resources.service = MonitorState(
        prometheus, pool, asyncio.Semaphore(settings.logs_tail_max), alerts, leader, teams, cipher
    )
    return workers


def _notifications(
    resources: Resources,
    settings: Settings,
    teams: AppTeams,
    idcs: ClusterIdcs,
    cipher: CredentialCipher,
) -> list[Worker]:
    """Events → deliveries (a consumer of the release, alert and cluster topics), and the
    sender of the deliveries (monitor_gateway.notify.workers)."""
    smtp = (
        Smtp(settings.smtp_url.get_secret_value(), settings.smtp_from, settings.notify_timeout_s)
        if settings.smtp_url is not None
        else None
    )
    senders = Senders(egress_of(settings), timeout_s=settings.notify_timeout_s, smtp=smtp)
    return [
        EventConsumer(
            name="notify-events",
            topics=[topics.RELEASES, topics.ALERTS, topics.CLUSTERS],
            group_id=settings.notify_group,
            handler=NotifyHandler(teams, idcs.idc_of, console_url=settings.console_url),
            engine=resources.engine,
            settings=settings,
            new_group_starts_at=settings.notify_from,
        ),
        Deliverer(
            resources.sessionmaker,
            senders,
            cipher,
            max_attempts=settings.notify_max_attempts,
            backoff_s=settings.notify_backoff_s,
            backoff_max_s=settings.notify_backoff_max_s,
            per_destination=settings.notify_per_destination,
            concurrency=settings.notify_concurrency,
            timeout_s=settings.notify_timeout_s,
        ),
    ]


def egress_of(settings: Settings) -> Egress:
    """Where webhooks (analysis, notifications) may be called (flotilla_runtime.egress)."""
    return Egress.of(settings.allowed_webhook_networks, dev_mode=settings.dev_mode)


@dataclass(frozen=True)
class MonitorState:
    """What monitor-gateway's workers built that its endpoints read (monitor_gateway.deps)."""

    prometheus: Prometheus
    logs_pool: LogsPool
    tails: asyncio.Semaphore
    alerts: AlertEngine
    leader: LeaderLock
    teams: AppTeams
    cipher: CredentialCipher


def _state(resources: Resources) -> Mapping[str, Any]:
    state = cast(MonitorState, resources.service)
    return {
        "logs_pool": state.logs_pool,
        "tails": state.tails,
        "alerts": state.alerts,
        "prometheus": state.prometheus,
        "teams": state.teams,
        "cipher": state.cipher,
        "egress": egress_of(cast(Settings, resources.settings)),
    }


SPEC = ServiceSpec(
    name="monitor-gateway",
    title="Flotilla monitor gateway",
    version=__version__,
    description=(
        "Application metrics (Prometheus), alerts (restarts, crash loops, image pulls, "
        "OOM kills, orphaned pods) and logs."
    ),
    routers=[
        metrics_router,
        alerts_router,
        logs_router,
        analysis_router,
        notify_router,
        audit_router,
    ],
    openapi_tags=[
        {"name": "metrics", "description": "Application metrics from Prometheus"},
        {"name": "alerts", "description": "Alerts evaluated from pod watches"},
        {"name": "logs", "description": "Application logs from Filebeat"},
        {"name": "analysis", "description": "Measurements that judge a release's clusters"},
        {
            "name": "notifications",
            "description": "Who is told about releases, alerts and clusters, where, and what "
            "was sent",
        },
        {"name": "audit", "description": "Who changed what, when"},
    ],
    workers=build_workers,
    state=_state,
)


def _ingest_workers(resources: Resources) -> Sequence[Worker]:
    settings = cast(Settings, resources.settings)
    pool = LogsPool(settings.database_url, size=2)
    return [pool, *_log_ingest(settings, pool)]


INGEST_SPEC = ServiceSpec(
    name="monitor-gateway-ingest",
    title="Flotilla monitor gateway: log ingest",
    version=__version__,
    description=(
        "Only the consumer of the log topic (Filebeat → PostgreSQL), to run and scale apart "
        "from the API: every process is a member of the topic's consumer group."
    ),
    workers=_ingest_workers,
)


def create_app(settings: Settings | None = None, *, spec: ServiceSpec = SPEC) -> FastAPI:
    return create_service_app(spec, settings or Settings())


def create_ingest_app(settings: Settings | None = None) -> FastAPI:
    """Health, readiness and metrics of a log ingest process; no API routes."""
    return create_service_app(INGEST_SPEC, settings or Settings())


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        prog="flotilla-monitor-gateway",
        settings_type=Settings,
        create_app=create_app,
        migrations=MIGRATIONS,
        argv=argv,
        processes={"ingest": ("consume the log topic only (no API)", create_ingest_app)},
    )


if __name__ == "__main__":
    raise SystemExit(main())
