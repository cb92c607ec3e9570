"""Flotilla's contracts: what crosses a process boundary. Depends on pydantic only."""

from flotilla_contracts import enums, events, labels, topics
from flotilla_contracts.cloudevents import CloudEvent, NotACloudEvent, from_kafka
from flotilla_contracts.connections import ClusterConnection
from flotilla_contracts.events import EventPayload, model_for_type

__all__ = [
    "CloudEvent",
    "ClusterConnection",
    "EventPayload",
    "NotACloudEvent",
    "enums",
    "events",
    "from_kafka",
    "labels",
    "model_for_type",
    "topics",
]
