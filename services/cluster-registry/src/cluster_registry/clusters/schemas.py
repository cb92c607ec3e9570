"""API models of clusters. Credentials go in, never out."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.config import JsonDict

from flotilla_contracts.enums import ClusterProvider, ClusterStatus
from flotilla_contracts.names import NAME_MAX, NAME_PATTERN

_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

Name = Annotated[
    str, Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN, examples=["idc-a"])
]


def _labels(value: dict[str, str]) -> dict[str, str]:
    if len(value) > 64:
        raise ValueError("at most 64 labels")
    for key, item in value.items():
        if len(key) > 253 or not _LABEL_KEY.match(key):
            raise ValueError(f"invalid label key {key!r}")
        if len(item) > 63 or not _LABEL_VALUE.match(item):
            raise ValueError(f"invalid label value {item!r} for {key!r}")
    return value


Labels = Annotated[dict[str, str], AfterValidator(_labels)]


class KubeconfigCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["kubeconfig"] = "kubeconfig"
    kubeconfig: SecretStr = Field(description="A kubeconfig (YAML); its current context is used.")

    @field_validator("kubeconfig")
    @classmethod
    def _size(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) > 256 * 1024:
            raise ValueError("kubeconfig larger than 256 KiB")
        return value


class TokenCredentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["token"] = "token"
    token: SecretStr = Field(min_length=1, max_length=8192, description="Bearer token")
    ca_data: str = Field(
        min_length=1,
        max_length=65536,
        description="base64 of the PEM CA that signed the API server",
    )

    @field_validator("ca_data")
    @classmethod
    def _base64_pem(cls, value: str) -> str:
        try:
            pem = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("ca_data must be base64") from exc
        if b"BEGIN CERTIFICATE" not in pem:
            raise ValueError("ca_data must be a base64 PEM certificate")
        return value


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
                        "ca_data": "LS0tLS1CRUdJTi...",
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
