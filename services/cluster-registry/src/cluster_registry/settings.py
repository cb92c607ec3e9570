"""Settings of cluster-registry: environment variables prefixed `CLUSTER_REGISTRY_`."""

from pydantic import Field, SecretStr

from flotilla_runtime.settings import FullServiceSettings, service_config

# A development key (32 zero-padded bytes, base64). Production sets CREDENTIAL_KEYS.
DEV_CREDENTIAL_KEYS = "dev:ZmxvdGlsbGEtZGV2LWtleS0wMDAwMDAwMDAwMDAwMDA="


class Settings(FullServiceSettings):
    model_config = service_config("CLUSTER_REGISTRY_")

    service_name: str = "cluster-registry"
    port: int = 8081
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_registry"
    credential_keys: SecretStr = Field(
        SecretStr(DEV_CREDENTIAL_KEYS),
        description="AES-256-GCM keys as `id:base64key[,id:base64key...]`; the first encrypts, "
        "all decrypt (key rotation).",
    )
    probe_interval_s: float = Field(10.0, gt=0, description="Seconds between health probes.")
    probe_timeout_s: float = Field(3.0, gt=0, description="Timeout of one cluster's probe.")
    probe_concurrency: int = Field(50, ge=1, description="Clusters probed at once.")
