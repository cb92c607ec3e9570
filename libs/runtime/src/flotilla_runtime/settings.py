"""Settings mixins. Each service composes its own `Settings` from these with its own env prefix.

Example: `class Settings(ServiceSettings, DatabaseSettings, KafkaSettings, AuthSettings)` with
`model_config = service_config("RELEASE_API_")` reads `RELEASE_API_DATABASE_URL`, and so on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "flotilla-dev-secret-change-me-in-production-0123456789"  # noqa: S105


def service_config(env_prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=env_prefix, extra="ignore", frozen=True)


class ServiceSettings(BaseSettings):
    service_name: str = Field(description="Name in logs, metrics and event sources.")
    host: str = Field("127.0.0.1", description="Interface uvicorn binds to.")
    port: int = Field(8080, ge=1, le=65535, description="HTTP port.")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: JSON unless stderr is a terminal."
    )
    shutdown_timeout_s: float = Field(10.0, gt=0, description="Deadline for workers to stop.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest accepted request body.")
    access_log: bool = Field(
        False,
        description="One log line per request (off: /metrics counts requests, errors are "
        "logged with their request id, and the ingress keeps access logs).",
    )


class DatabaseSettings(BaseSettings):
    database_url: str = Field(
        "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla",
        description="SQLAlchemy URL; postgresql:// is upgraded to postgresql+asyncpg://.",
    )
    database_pool_size: int = Field(10, ge=1)
    database_echo: bool = False

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, url: str) -> str:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url.removeprefix(prefix)
        return url


class KafkaSettings(BaseSettings):
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", description="host:port[,host:port]")
    kafka_idempotence: bool = Field(
        True, description="Idempotent producer; off only for brokers that cannot (Tansu)."
    )
    kafka_request_timeout_ms: int = Field(10_000, ge=1_000)


class AuthSettings(BaseSettings):
    auth_jwt_secret: SecretStr = Field(
        SecretStr(DEV_JWT_SECRET), description="HS256 secret (development and tests)."
    )
    auth_jwks_url: str | None = Field(None, description="Production: verify RS/ES tokens by JWKS.")
    auth_issuer: str = "flotilla"
    auth_audience: str = "flotilla"


class ServiceUrlsSettings(BaseSettings):
    release_api_url: str = "http://127.0.0.1:8080"
    cluster_registry_url: str = "http://127.0.0.1:8081"
    k8s_sync_url: str = "http://127.0.0.1:8082"
    monitor_gateway_url: str = "http://127.0.0.1:8083"
    service_token: SecretStr | None = Field(
        None, description="Bearer token this service presents to the others."
    )

    def service_bearer(self) -> str | None:
        """The service token's value, or None when none is configured."""
        return self.service_token.get_secret_value() if self.service_token else None


class FullServiceSettings(
    ServiceSettings, DatabaseSettings, KafkaSettings, AuthSettings, ServiceUrlsSettings
):
    """What a typical Flotilla service needs; services subclass it and set their env prefix."""
