"""Settings of release-api: environment variables prefixed `RELEASE_API_`."""

from flotilla_runtime.settings import FullServiceSettings, service_config


class Settings(FullServiceSettings):
    model_config = service_config("RELEASE_API_")

    service_name: str = "release-api"
    port: int = 8080
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_release"
