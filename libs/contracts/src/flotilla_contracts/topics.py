"""Kafka topic names. Every topic carries CloudEvents 1.0 in binary mode, except the log input."""

from typing import Final

RELEASES: Final = "flotilla.releases.v1"
CLUSTERS: Final = "flotilla.clusters.v1"
SYNC: Final = "flotilla.sync.v1"
ALERTS: Final = "flotilla.alerts.v1"
LOGS: Final = "flotilla.logs.v1"
"""Input topic: Filebeat's Kafka output (plain JSON, not CloudEvents)."""

CDEVENTS: Final = "flotilla.cdevents.v1"
"""Optional: CDEvents (flotilla_contracts.cdevents), where CDEVENTS_TOPIC names this topic (the
local stack's and deploy/'s choice); off unless set."""

EVENT_TOPICS: Final = (RELEASES, CLUSTERS, SYNC, ALERTS)
ALL: Final = (*EVENT_TOPICS, LOGS)
