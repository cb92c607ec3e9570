"""Settings of cluster-registry: environment variables prefixed `CLUSTER_REGISTRY_`."""

from flotilla_runtime.settings import FullServiceSettings, service_config


class Settings(FullServiceSettings):
    model_config = service_config("CLUSTER_REGISTRY_")

    service_name: str = "cluster-registry"
    port: int = 8081
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_registry"
