"""CloudEvents 1.0 in Kafka binary content mode: attributes as `ce_*` headers, data as the body.

Pure functions over bytes, so any consumer can decode Flotilla's events with this package alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from flotilla_contracts.events import EventPayload
from flotilla_contracts.schemas import schema_id

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"

KafkaHeaders = Sequence[tuple[str, bytes]]


class CloudEvent(BaseModel):
    """The context attributes of one event plus its JSON data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    source: str = Field(
        min_length=1, description="URI-reference of the producer, /flotilla/<service>"
    )
    type: str = Field(min_length=1)
    specversion: str = SPEC_VERSION
    subject: str | None = None
    time: datetime
    datacontenttype: str = JSON_CONTENT_TYPE
    dataschema: str | None = Field(
        None, description="the `$id` of the data's JSON Schema (flotilla_contracts.schemas)"
    )
    data: dict[str, Any]

    @classmethod
    def of(
        cls,
        payload: EventPayload,
        *,
        source: str,
        subject: str | None = None,
        event_id: UUID | None = None,
        time: datetime | None = None,
    ) -> CloudEvent:
        """Wrap a payload model in a new event with a fresh unique id."""
        return cls(
            id=str(event_id or uuid4()),
            source=source,
            type=payload.event_type,
            subject=subject,
            time=time or datetime.now(UTC),
            dataschema=schema_id(payload.event_type),
            data=payload.model_dump(mode="json"),
        )

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", self.specversion.encode()),
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", self.time.isoformat().encode()),
            ("content-type", self.datacontenttype.encode()),
        ]
        if self.subject is not None:
            headers.append(("ce_subject", self.subject.encode()))
        if self.dataschema is not None:
            headers.append(("ce_dataschema", self.dataschema.encode()))
        return headers

    def kafka_value(self) -> bytes:
        return json.dumps(self.data, separators=(",", ":"), sort_keys=True).encode()


class NotACloudEvent(ValueError):
    """A Kafka record lacks the required binary-mode CloudEvent headers or a JSON body."""


def from_kafka(headers: KafkaHeaders | None, value: bytes | None) -> CloudEvent:
    """Decode a binary-mode record; raises NotACloudEvent on anything malformed."""
    attrs: Mapping[str, bytes] = dict(headers or ())
    try:
        missing = [k for k in ("ce_id", "ce_source", "ce_type", "ce_specversion") if k not in attrs]
        if missing:
            raise NotACloudEvent(f"missing headers: {', '.join(missing)}")
        data = json.loads(value) if value else {}
        if not isinstance(data, dict):
            raise NotACloudEvent("event data must be a JSON object")
        raw_time = attrs.get("ce_time")
        return CloudEvent(
            id=attrs["ce_id"].decode(),
            source=attrs["ce_source"].decode(),
            type=attrs["ce_type"].decode(),
            specversion=attrs["ce_specversion"].decode(),
            subject=attrs["ce_subject"].decode() if "ce_subject" in attrs else None,
            time=datetime.fromisoformat(raw_time.decode()) if raw_time else datetime.now(UTC),
            datacontenttype=attrs.get("content-type", JSON_CONTENT_TYPE.encode()).decode(),
            dataschema=attrs["ce_dataschema"].decode() if "ce_dataschema" in attrs else None,
            data=data,
        )
    except NotACloudEvent:
        raise
    except (ValueError, UnicodeDecodeError) as exc:  # pydantic's ValidationError is a ValueError
        raise NotACloudEvent(str(exc)) from exc
