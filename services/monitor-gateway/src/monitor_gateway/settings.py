"""Settings of monitor-gateway: environment variables prefixed `MONITOR_GATEWAY_`."""

from flotilla_runtime.settings import FullServiceSettings, service_config


class Settings(FullServiceSettings):
    model_config = service_config("MONITOR_GATEWAY_")

    service_name: str = "monitor-gateway"
    port: int = 8083
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_monitor"
