"""Settings of monitor-gateway: environment variables prefixed `MONITOR_GATEWAY_`."""

from typing import Literal

from pydantic import Field, SecretStr

from flotilla_contracts import topics
from flotilla_runtime.settings import FullServiceSettings, service_config

# A development key (32 bytes, base64), accepted only in development mode.
DEV_NOTIFY_KEYS = "dev:ZmxvdGlsbGEtbm90aWZ5LWRldi1rZXktMDAwMDAwMDA="


class Settings(FullServiceSettings):
    model_config = service_config("MONITOR_GATEWAY_")

    service_name: str = "monitor-gateway"
    port: int = 8083
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_monitor"
    logs_topic: str = Field(topics.LOGS, description="Filebeat's Kafka output topic.")
    logs_group: str = Field("flotilla-monitor-gateway.logs", description="Its consumer group.")
    logs_retention_days: int = Field(7, ge=1, le=3650, description="Days of logs kept.")
    logs_batch_max: int = Field(
        20_000, ge=1, le=200_000, description="Most lines stored in one transaction."
    )
    logs_ingest: bool = Field(
        True,
        description="Whether `serve` consumes the log topic too; false on API replicas when "
        "`flotilla-monitor-gateway ingest` runs as a deployment of its own.",
    )
    logs_search_max_span_h: float = Field(
        24 * 7, gt=0, le=24 * 366, description="Longest time range one log search may cover."
    )
    logs_search_timeout_s: float = Field(
        10, gt=0, le=300, description="A log search that runs longer is cancelled (422)."
    )
    logs_tail_max: int = Field(
        50, ge=1, le=10_000, description="Live tails (SSE) at once on one replica."
    )
    alert_tick_s: float = Field(
        1.0, gt=0, le=60, description="How often time-based alert rules are re-evaluated."
    )
    alert_resolve_hold_s: float = Field(
        60.0, ge=0, le=3600, description="A cleared condition resolves its alert after this."
    )
    alert_webhooks: list[str] = Field(
        default_factory=list,
        description="URLs that receive every alert event (CloudEvents JSON), with retries.",
    )
    cluster_refresh_s: float = Field(
        60.0,
        gt=0,
        description="Safety-net period for re-reading the cluster list; cluster-registry's "
        "events trigger a re-read at once.",
    )
    allowed_webhook_networks: list[str] = Field(
        default_factory=list,
        description="CIDRs an analysis webhook may resolve into although they are refused by "
        "default (loopback, link-local, cloud metadata: flotilla_runtime.egress); JSON list. "
        "Empty in development mode: loopback.",
    )
    prometheus_url: str = Field(
        "http://127.0.0.1:9090", description="Prometheus HTTP API (scraping every cluster)."
    )
    notify_secret_keys: SecretStr = Field(
        SecretStr(DEV_NOTIFY_KEYS),
        description="AES-256-GCM keys (`id:base64key[,...]`; the first encrypts, all decrypt) "
        "for notification secrets (webhook secrets, Slack URLs). The default is the "
        "development key and needs development mode.",
    )
    notify_group: str = Field(
        "monitor-gateway.notifications",
        description="The consumer group that turns events into notifications.",
    )
    notify_from: Literal["latest", "earliest"] = Field(
        "latest",
        description="Where a new notifications consumer group begins: latest (what happens "
        "from its first start; a deployment does not notify people of last week) or earliest "
        "(everything the topics still hold).",
    )
    notify_timeout_s: float = Field(
        10.0, gt=0, le=120, description="One notification request (or SMTP dialogue) at most."
    )
    notify_max_attempts: int = Field(
        12, ge=1, le=100, description="Attempts per notification before it is dead."
    )
    notify_backoff_s: float = Field(
        2.0, gt=0, le=600, description="The first retry's wait; doubled each time."
    )
    notify_backoff_max_s: float = Field(
        300.0, gt=0, le=86_400, description="The longest wait between two attempts."
    )
    notify_per_destination: int = Field(
        4, ge=1, le=100, description="Notifications sent at once to one subscription."
    )
    notify_concurrency: int = Field(
        64, ge=1, le=1000, description="Notifications sent at once in all (per replica)."
    )
    smtp_url: SecretStr | None = Field(
        None,
        description="Where e-mail notifications go: smtp://user:password@host:587 (STARTTLS "
        "when offered) or smtps://...:465; unset: e-mail subscriptions fail their deliveries.",
    )
    smtp_from: str = Field("flotilla@localhost", description="The From of notification mail.")
    console_url: str | None = Field(
        None,
        description="The web console's public URL (…/console/), for the link in every "
        "notification; unset: no link.",
    )
    metrics_cache_s: float = Field(
        5.0, ge=0, le=300, description="How long a metric answer is reused."
    )

    def development_values(self) -> list[str]:
        found = super().development_values()
        if any(
            key.strip() == DEV_NOTIFY_KEYS
            for key in self.notify_secret_keys.get_secret_value().split(",")
        ):
            found.append(self.env_name("notify_secret_keys"))
        return found
