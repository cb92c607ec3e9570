"""Settings of k8s-sync: environment variables prefixed `K8S_SYNC_`."""

from flotilla_runtime.settings import FullServiceSettings, service_config


class Settings(FullServiceSettings):
    model_config = service_config("K8S_SYNC_")

    service_name: str = "k8s-sync"
    port: int = 8082
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_sync"
