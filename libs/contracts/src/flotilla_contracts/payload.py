"""The base of every event payload (flotilla_contracts.events)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from flotilla_contracts.names import NAME_MAX, NAME_PATTERN

Name = Field(min_length=1, max_length=NAME_MAX, pattern=NAME_PATTERN)


class EventPayload(BaseModel):
    """Base of every event payload: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    topic: ClassVar[str]
