"""Settings of k8s-sync: environment variables prefixed `K8S_SYNC_`."""

from pydantic import Field

from flotilla_runtime.settings import FullServiceSettings, service_config


class Settings(FullServiceSettings):
    model_config = service_config("K8S_SYNC_")

    service_name: str = "k8s-sync"
    port: int = 8082
    database_url: str = "postgresql+asyncpg://flotilla@127.0.0.1:5432/flotilla_sync"
    haproxy_runtime: str = Field(
        "/run/haproxy/admin.sock",
        description="HAProxy runtime API: a unix socket path, or host:port of a TCP stats socket "
        "(level admin).",
    )
    sync_window_s: float = Field(
        0.01, ge=0, le=5, description="Changes arriving within this go out together."
    )
    reconcile_s: float = Field(1.0, gt=0, description="Full read-back and repair period.")
    cluster_refresh_s: float = Field(
        60.0,
        gt=0,
        description="Safety-net period for re-reading the cluster list; cluster-registry's "
        "events on flotilla.clusters.v1 trigger a re-read at once.",
    )
