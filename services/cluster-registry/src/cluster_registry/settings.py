"""Settings of cluster-registry: environment variables prefixed `CLUSTER_REGISTRY_`."""

import ipaddress

from pydantic import Field, SecretStr, field_validator

from flotilla_runtime.settings import FullServiceSettings, service_config

# A development key (32 zero-padded bytes, base64), accepted only in development mode.
DEV_CREDENTIAL_KEYS = "dev:ZmxvdGlsbGEtZGV2LWtleS0wMDAwMDAwMDAwMDAwMDA="


class Settings(FullServiceSettings):
    model_config = service_config("CLUSTER_REGISTRY_")

    service_name: str = "cluster-registry"
    port: int = 8081
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_registry"
    credential_keys: SecretStr = Field(
        SecretStr(DEV_CREDENTIAL_KEYS),
        description="AES-256-GCM keys as `id:base64key[,id:base64key...]`; the first encrypts, "
        "all decrypt (key rotation). The default is the development key and needs "
        "development mode.",
    )
    connection_readers: frozenset[str] = Field(
        frozenset({"release-api", "k8s-sync", "monitor-gateway"}),
        description="Service identities (token subjects) that may read clusters' decrypted "
        "credentials; JSON list.",
    )
    allowed_api_networks: list[str] = Field(
        default_factory=list,
        description="CIDRs an api_server may resolve into although they are refused by default "
        "(loopback, link-local, metadata); JSON list. Empty in development mode: loopback.",
    )
    probe_interval_s: float = Field(10.0, gt=0, description="Seconds between health probes.")
    probe_timeout_s: float = Field(3.0, gt=0, description="Timeout of one cluster's probe.")
    probe_concurrency: int = Field(50, ge=1, description="Clusters probed at once.")

    @field_validator("allowed_api_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names it
        return value

    def development_values(self) -> list[str]:
        found = super().development_values()
        if any(
            key.strip() == DEV_CREDENTIAL_KEYS
            for key in self.credential_keys.get_secret_value().split(",")
        ):
            found.append(self.env_name("credential_keys"))
        return found
