"""What the notifications API takes and answers. Secrets go in and never come out."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from flotilla_contracts.enums import AlertSeverity
from flotilla_contracts.names import NAME_PATTERN
from monitor_gateway.notify.triggers import Trigger

Name = Annotated[str, Field(min_length=1, max_length=63, pattern=NAME_PATTERN)]
# ASCII only: a host name (or [IPv6]) with an optional port, then printable characters
HttpUrl = Annotated[
    str,
    Field(
        min_length=10,
        max_length=2000,
        pattern=r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/[\x21-\x7e]*)?$|"
        r"^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?(/[\x21-\x7e]*)?$",
    ),
]
Address = Annotated[
    str, Field(min_length=3, max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
]


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["app", "env", "team"] = Field(
        description="app: one app's; team: every app of the team's; env: everything in the "
        "environment (and clusters' outages) — admins only"
    )
    name: Name


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["webhook"]
    url: HttpUrl
    secret: SecretStr = Field(
        min_length=16,
        max_length=256,
        description="signs each request (Flotilla-Signature); stored encrypted, never shown",
    )


class SlackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["slack"]
    url: HttpUrl = Field(
        description="a Slack-compatible incoming webhook; its URL is its secret: stored "
        "encrypted, shown by host only"
    )


class EmailIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["email"]
    to: list[Address] = Field(min_length=1, max_length=20)


Destination = Annotated[WebhookIn | SlackIn | EmailIn, Field(discriminator="kind")]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "shop releases to the team channel",
                    "scope": {"kind": "app", "name": "shop"},
                    "triggers": ["release.failed", "release.partially_failed", "alert.fired"],
                    "envs": ["prod"],
                    "min_severity": "warning",
                    "destination": {
                        "kind": "webhook",
                        "url": "https://hooks.example.com/flotilla",
                        "secret": "a-long-random-shared-secret",
                    },
                }
            ]
        },
    )

    name: str = Field(min_length=1, max_length=100)
    scope: Scope
    triggers: list[Trigger] = Field(min_length=1, max_length=len(Trigger))
    envs: list[Name] = Field(
        default_factory=list, max_length=50, description="only these environments; empty: all"
    )
    min_severity: AlertSeverity | None = Field(
        None, description="alerts below this severity are not sent"
    )
    destination: Destination


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                    "name": "shop releases to the team channel",
                    "scope": {"kind": "app", "name": "shop"},
                    "triggers": ["release.failed", "release.partially_failed", "alert.fired"],
                    "envs": ["prod"],
                    "min_severity": "warning",
                    "destination": {"kind": "webhook", "url": "https://hooks.example.com/flotilla"},
                    "created_by": "ada",
                    "created_at": "2026-12-05T09:30:00Z",
                }
            ]
        }
    )

    id: uuid.UUID
    name: str
    scope: Scope
    triggers: list[Trigger]
    envs: list[str]
    min_severity: AlertSeverity | None
    destination: dict[str, Any] = Field(description="where to, without its secret")
    created_by: str
    created_at: datetime


class SubscriptionPage(BaseModel):
    items: list[SubscriptionOut]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 4711,
                    "subscription_id": "9d0e7c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
                    "trigger": "release.failed",
                    "about": "0b7e2d4a-1c3f-4a5b-8d6e-7f8091a2b3c4",
                    "state": "pending",
                    "attempts": 2,
                    "next_attempt_at": "2026-12-05T09:31:04Z",
                    "last_error": "hooks.example.com answered 503: busy",
                    "created_at": "2026-12-05T09:30:58Z",
                    "delivered_at": None,
                    "message": {"trigger": "release.failed", "summary": "shop ... failed"},
                }
            ]
        }
    )

    id: int
    subscription_id: uuid.UUID
    trigger: str
    about: str = Field(description="what it is about: a release's or alert's id, an outage")
    state: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    message: dict[str, Any] = Field(description="what is (or was) sent")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None
