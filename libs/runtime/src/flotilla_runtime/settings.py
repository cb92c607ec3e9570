"""Settings mixins. Each service composes its own `Settings` from these with its own env prefix.

Example: `class Settings(ServiceSettings, DatabaseSettings, KafkaSettings, AuthSettings)` with
`model_config = service_config("RELEASE_API_")` reads `RELEASE_API_DATABASE_URL`, and so on.

Development mode. Some settings default to values that are in this repository (the HS256 secret,
cluster-registry's credential key) or allow loopback targets. They are usable only when
development mode is on: `FLOTILLA_DEV_MODE=1` (or the service's own `<PREFIX>DEV_MODE`), which
`./flotilla up` and the tests set. Without it a service refuses to start and names every setting
still at a development value (`check_production`), so a deployment cannot run on them by
forgetting a Secret.
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "flotilla-dev-secret-change-me-in-production-0123456789"  # noqa: S105
DEV_MODE_ENV = "FLOTILLA_DEV_MODE"
MIN_SECRET_CHARS = 32


def dev_mode_from_env() -> bool:
    """True when FLOTILLA_DEV_MODE is 1/true/yes/on (the local stack and the tests)."""
    return os.environ.get(DEV_MODE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class UnsafeSettings(RuntimeError):
    """The service would run on development values outside development mode."""


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
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins whose pages may call this API from a browser (CORS; JSON list, "
        'e.g. ["https://console.example.com"]): the web console\'s, when it is served from '
        "another origin. Empty: none. Tokens travel in the Authorization header, never in "
        "cookies, so no credentials mode is needed.",
    )
    dev_mode: bool = Field(
        default_factory=dev_mode_from_env,
        description="Development mode: allows the repository's development secrets and keys and "
        "loopback targets. Off unless FLOTILLA_DEV_MODE (or this) is set.",
    )

    def env_name(self, field: str) -> str:
        """The environment variable that sets `field` for this service."""
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    def development_values(self) -> list[str]:
        """The settings still at a development value, as the variables that set them; each
        mixin adds its own."""
        found: list[str] = []
        secret = getattr(self, "auth_jwt_secret", None)  # with AuthSettings, HS256
        if isinstance(secret, SecretStr) and getattr(self, "auth_jwks_url", None) is None:
            value = secret.get_secret_value()
            if value == DEV_JWT_SECRET or len(value) < MIN_SECRET_CHARS:
                found.append(self.env_name("auth_jwt_secret"))
        return found

    def check_production(self) -> None:
        """Refuse development values unless development mode is on (raises UnsafeSettings)."""
        if self.dev_mode:
            return
        found = self.development_values()
        if found:
            raise UnsafeSettings(
                f"{self.service_name}: {', '.join(found)} still at the development value "
                f"(or unset); set {'them' if len(found) > 1 else 'it'} from a Secret, or run "
                f"with {DEV_MODE_ENV}=1 for development only"
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
    cdevents_topic: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9._-]{1,249}$",
        description="Also publish CDEvents (cdevents.dev 0.5.1: service deployed, upgraded, "
        "rolled back, removed; environment created, modified, deleted) to this topic, beside "
        "Flotilla's own events; unset: none.",
    )


class AuthSettings(BaseSettings):
    auth_jwt_secret: SecretStr = Field(
        SecretStr(DEV_JWT_SECRET),
        description="HS256 secret (at least 32 characters); the default is the development one "
        "and needs development mode. Unused when AUTH_JWKS_URL is set.",
    )
    auth_jwks_url: str | None = Field(None, description="Production: verify RS/ES tokens by JWKS.")
    auth_issuer: str = "flotilla"
    auth_audience: str = Field("flotilla", description="Audience of people's tokens.")
    auth_service_audience: str = Field(
        "flotilla-services",
        description="Audience of the services' own tokens (the only tokens that are a service's).",
    )


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
