"""How to reach a cluster: what cluster-registry's internal endpoint hands to other services."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ClusterConnection(BaseModel):
    """An API server and the credentials to use it. Secret: never log, never show users."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cluster: str
    idc: str
    api_server: str = Field(description="https://host:port of the Kubernetes API")
    token: str | None = Field(None, description="bearer token")
    ca_data: str | None = Field(None, description="base64 PEM of the CA that signed the server")
    kubeconfig: str | None = Field(None, description="a whole kubeconfig, when that was given")
    insecure_skip_tls_verify: bool = False

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"ClusterConnection(cluster={self.cluster!r}, api_server={self.api_server!r})"

    __str__ = __repr__
