"""API models of clusters. Credentials go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict

from flotilla_contracts.enums import ClusterProvider, ClusterStatus
from flotilla_contracts.names import LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, NAME_MAX, NAME_PATTERN

LabelKey = Annotated[
    str, StringConstraints(min_length=1, max_length=253, pattern=LABEL_KEY_PATTERN)
]
LabelValue = Annotated[str, StringConstraints(max_length=63, pattern=LABEL_VALUE_PATTERN)]
Labels = Annotated[dict[LabelKey, LabelValue], Field(max_length=64)]
LabelSelector = Annotated[
    str,
    StringConstraints(
        max_length=317,
        pattern=f"^{LABEL_KEY_PATTERN[1:-1]}={LABEL_VALUE_PATTERN[1:-1]}$",
    ),
]
"""One `key=value` filter on labels."""

Name = Annotated[
    str, Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN, examples=["idc-a"])
]


# Standard base64 (RFC 4648, padded) of text that starts with a PEM certificate header.
CA_DATA_PATTERN = (
    r"^LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"
    r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
)


class KubeconfigCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["kubeconfig"]
    kubeconfig: SecretStr = Field(description="A kubeconfig (YAML); its current context is used.")

    @field_validator("kubeconfig")
    @classmethod
    def _size(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) > 256 * 1024:
            raise ValueError("kubeconfig larger than 256 KiB")
        return value


class TokenCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["token"]
    token: SecretStr = Field(min_length=1, max_length=8192, description="Bearer token")
    ca_data: str = Field(
        min_length=1,
        max_length=65536,
        pattern=CA_DATA_PATTERN,
        description="base64 of the PEM CA that signed the API server (as in a kubeconfig's "
        "certificate-authority-data: it starts with the base64 of '-----BEGIN CERTIFICATE-----')",
    )


Credentials = Annotated[KubeconfigCredentials | TokenCredentials, Field(discriminator="kind")]

_EXAMPLE_KUBECONFIG: JsonDict = {
    "kind": "kubeconfig",
    "kubeconfig": "apiVersion: v1\nkind: Config\n...",
}


class ClusterCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "idc-a-prod",
                    "idc": "idc-a",
                    "provider": "self-built",
                    "credentials": _EXAMPLE_KUBECONFIG,
                    "labels": {"tier": "prod"},
                },
                {
                    "name": "uk8s-bj",
                    "idc": "uk8s-bj2",
                    "provider": "uk8s",
                    "api_server": "https://10.0.0.1:6443",
                    "credentials": {
                        "kind": "token",
                        "token": "eyJhbGciOi...",
                        "ca_data": (
                            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURB"
                            "S0JnZ3Foa2pPUFFRREFqQWpNU0V3SHdZRFZRUUREQmhyTTNNdGMyVnkKLS0tLS1FTkQg"
                            "Q0VSVElGSUNBVEUtLS0tLQo="
                        ),
                    },
                },
            ]
        },
    )

    name: Name
    idc: Name
    provider: ClusterProvider
    api_server: str | None = Field(
        None,
        max_length=512,
        pattern=r"^https://[^\s/@]+(/\S*)?$",
        description="Required with token credentials; taken from the kubeconfig otherwise.",
    )
    credentials: Credentials
    labels: Labels = Field(default_factory=dict)


class ClusterUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"idc": "idc-b", "labels": {"tier": "staging"}}]},
    )

    idc: Name | None = None
    provider: ClusterProvider | None = None
    api_server: str | None = Field(None, max_length=512, pattern=r"^https://[^\s/@]+(/\S*)?$")
    labels: Labels | None = None


class CredentialsRotate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"credentials": _EXAMPLE_KUBECONFIG}]}
    )

    credentials: Credentials


class EnvironmentRef(BaseModel):
    environment: str
    namespace: str


class ClusterOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "idc-a-1",
                    "idc": "idc-a",
                    "provider": "self-built",
                    "api_server": "https://10.0.0.10:6443",
                    "labels": {"tier": "gold"},
                    "status": "ready",
                    "status_reason": None,
                    "last_seen_at": "2026-12-05T09:30:00Z",
                    "latency_ms": 4.2,
                    "kubernetes_version": "v1.34.4",
                    "node_count": 12,
                    "environments": [{"environment": "prod", "namespace": "shop-prod"}],
                    "revision": 3,
                    "created_at": "2026-11-02T08:00:00Z",
                    "updated_at": "2026-12-05T09:30:00Z",
                }
            ]
        }
    )

    name: str
    idc: str
    provider: ClusterProvider
    api_server: str
    labels: dict[str, str]
    status: ClusterStatus
    status_reason: str | None
    last_seen_at: datetime | None
    latency_ms: float | None
    kubernetes_version: str | None
    node_count: int
    environments: list[EnvironmentRef]
    revision: int
    created_at: datetime
    updated_at: datetime


class ClusterPage(BaseModel):
    items: list[ClusterOut]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page")
