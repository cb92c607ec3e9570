"""Write docs/asyncapi/flotilla.yaml, the AsyncAPI 3.0 document of every Kafka topic Flotilla
produces or consumes, from `flotilla_contracts` (`--check`: exit 1 when the file is stale).

- a channel per topic (its address), a message per CloudEvent type with the type's JSON
  Schema (the one packaged in flotilla-contracts, `$defs` moved to components/schemas) and an
  example payload (flotilla_contracts.examples); the log input is Filebeat's JSON;
- the CloudEvents binary-mode headers (`ce_*`, CloudEvents Kafka protocol binding 1.0) as a
  message trait; the record key, and what it keeps in order, as each message's Kafka binding;
- one `send` operation per event topic (Flotilla's services publish) and one `receive` for
  the log input (monitor-gateway consumes it).

tools/devstack/asyncapi/validate.mjs checks the result with @asyncapi/parser
(tests/test_asyncapi.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from flotilla_contracts import cdevents, topics
from flotilla_contracts.events import ALL_PAYLOADS, EventPayload
from flotilla_contracts.examples import example
from flotilla_contracts.schemas import schema_of

ROOT = Path(__file__).resolve().parents[4]
TARGET = ROOT / "docs" / "asyncapi" / "flotilla.yaml"
KAFKA_BINDING = "0.5.0"

# topic → (channel id, what it carries, the record key and what the key keeps in order)
TOPICS: dict[str, tuple[str, str, str]] = {
    topics.RELEASES: (
        "releases",
        "Releases, their per-cluster rollouts, waves, analysis and approvals; app scale, debug "
        "and pod isolation (release-api).",
        "the app's name: every event of one app is in one partition, in the order it happened",
    ),
    topics.CLUSTERS: (
        "clusters",
        "Clusters registered, changed, reachable or not; node operations; environments "
        "(cluster-registry).",
        "the cluster's name (an environment's events: the environment's name)",
    ),
    topics.SYNC: (
        "sync",
        "What each ingress instance serves for an app in a cluster, read back from it, and "
        "what it could not apply (k8s-sync, one source per HAProxy instance).",
        "`<backend>/<cluster>` (the backend is `<app>-<env>`): one app's endpoints in one "
        "cluster stay in order",
    ),
    topics.ALERTS: (
        "alerts",
        "Alerts fired and resolved (monitor-gateway).",
        "the app's name",
    ),
}

CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "content-type"],
    "properties": {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": {
            "type": "string",
            "description": "unique per event: consumers deduplicate by it (delivery is at "
            "least once)",
        },
        "ce_source": {
            "type": "string",
            "description": "the producer, /flotilla/<service>[/...]",
            "examples": ["/flotilla/release-api"],
        },
        "ce_type": {"type": "string", "description": "the message's CloudEvent type"},
        "ce_time": {"type": "string", "format": "date-time"},
        "ce_subject": {
            "type": "string",
            "description": "what the event is about within the source (a release's id, a "
            "cluster's name)",
        },
        "ce_dataschema": {
            "type": "string",
            "format": "uri",
            "description": "the `$id` of the payload's JSON Schema, packaged in "
            "flotilla-contracts (flotilla_contracts.schemas.load)",
        },
        "content-type": {"type": "string", "const": "application/json"},
    },
}

FILEBEAT: dict[str, Any] = {
    "type": "object",
    "description": "Filebeat's Kafka output (codec.json), one container log line. Fields "
    "Flotilla reads; everything else is ignored (it varies between Filebeat versions).",
    "required": ["@timestamp", "message"],
    "properties": {
        "@timestamp": {"type": "string", "format": "date-time"},
        "message": {"type": "string"},
        "log": {"type": "object", "properties": {"level": {"type": "string"}}},
        "kubernetes": {
            "type": "object",
            "properties": {
                "namespace": {"type": "string"},
                "pod": {"type": "object", "properties": {"name": {"type": "string"}}},
                "container": {"type": "object", "properties": {"name": {"type": "string"}}},
                "labels": {
                    "type": "object",
                    "description": "Flotilla's pod labels, dedotted (`flotilla_io/app`) or "
                    "nested (`flotilla: {io/app: ...}`)",
                },
            },
        },
        "orchestrator": {
            "type": "object",
            "properties": {
                "cluster": {"type": "object", "properties": {"name": {"type": "string"}}}
            },
        },
    },
}


def _message_id(model: type[EventPayload]) -> str:
    return model.event_type.removeprefix("io.flotilla.").replace(".", "_")


def _summary(model: type[EventPayload]) -> str:
    doc = " ".join((model.__dict__.get("__doc__") or "").split())
    if not doc:
        raise ValueError(f"{model.__name__} has no docstring: say what the event means")
    return doc


def _hoist(schema: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$defs` moved into components/schemas (refs rewritten)."""
    moved = json.loads(json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/'))
    for name, definition in moved.pop("$defs", {}).items():
        if name in shared and shared[name] != definition:
            raise ValueError(f"two different schemas named {name}")
        shared[name] = definition
    return moved  # type: ignore[no-any-return]


def document() -> dict[str, Any]:
    shared: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic, (channel, description, _) in TOPICS.items():
        channels[channel] = {
            "address": topic,
            "description": description,
            "messages": {},
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING}},
        }
    for model in ALL_PAYLOADS:
        channel, _, key = TOPICS[model.topic]
        name = _message_id(model)
        payload = _hoist(schema_of(model), shared)
        shared[name] = payload
        messages[name] = {
            "name": model.event_type,
            "title": model.event_type,
            "summary": _summary(model),
            "contentType": "application/json",
            "traits": [{"$ref": "#/components/messageTraits/cloudEvent"}],
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": key},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
            "examples": [
                {
                    "name": "example",
                    "headers": {
                        "ce_specversion": "1.0",
                        "ce_id": "3f6c1d2e-4b5a-4c7d-8e9f-0a1b2c3d4e5f",
                        "ce_source": "/flotilla/example",
                        "ce_type": model.event_type,
                        "ce_time": "2026-12-05T09:30:00+00:00",
                        "ce_dataschema": payload["$id"],
                        "content-type": "application/json",
                    },
                    "payload": example(model),
                }
            ],
        }
        channels[channel]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for topic, (channel, _, _) in TOPICS.items():
        operations[f"publish_{channel}"] = {
            "action": "send",
            "title": f"Flotilla publishes on {topic}",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [
                {"$ref": f"#/channels/{channel}/messages/{m}"}
                for m in channels[channel]["messages"]
            ],
        }
    _cdevents(channels, messages, operations)
    channels["logs"] = {
        "address": topics.LOGS,
        "description": "The log input: Filebeat's Kafka output of every pod's containers "
        "(plain JSON, not CloudEvents; key: none needed).",
        "messages": {"filebeat_event": {"$ref": "#/components/messages/filebeat_event"}},
        "bindings": {"kafka": {"topic": topics.LOGS, "bindingVersion": KAFKA_BINDING}},
    }
    messages["filebeat_event"] = {
        "name": "filebeat_event",
        "title": "A Filebeat event",
        "contentType": "application/json",
        "payload": FILEBEAT,
    }
    operations["consume_logs"] = {
        "action": "receive",
        "title": "monitor-gateway stores and tails the pods' logs",
        "channel": {"$ref": "#/channels/logs"},
        "messages": [{"$ref": "#/channels/logs/messages/filebeat_event"}],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Flotilla events",
            "version": "1.0.0",
            "description": "What Flotilla's services publish on Kafka (CloudEvents 1.0 in "
            "binary content mode: `ce_*` headers, JSON body) and the log input they read. "
            "Delivery is at least once: deduplicate by `ce_id`. Read them with the "
            "flotilla-contracts package alone (`from_kafka`, `model_for_type`). Generated "
            "from flotilla_contracts by `python -m flotilla_devstack.asyncapi`.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "local": {
                "host": "127.0.0.1:19092",
                "protocol": "kafka",
                "description": "the local stack's Kafka (`./flotilla up`); in a deployment, "
                "KAFKA_BOOTSTRAP_SERVERS",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": dict(sorted(shared.items())),
            "messages": messages,
            "messageTraits": {
                "cloudEvent": {
                    "headers": CE_HEADERS,
                    "description": "CloudEvents 1.0, Kafka protocol binding, binary content mode",
                }
            },
        },
    }


CDEVENT_BODY: dict[str, Any] = {
    "type": "object",
    "description": "A CDEvent: its context (type, id, source, timestamp, schemaUri) and "
    "subject; the full schema is the specification's, at `context.schemaUri`.",
    "required": ["context", "subject"],
    "properties": {
        "context": {"type": "object", "required": ["specversion", "id", "source", "type"]},
        "subject": {"type": "object", "required": ["id", "content"]},
    },
}


def _cdevents(
    channels: dict[str, Any], messages: dict[str, Any], operations: dict[str, Any]
) -> None:
    """The optional CDEvents topic (CDEVENTS_TOPIC; flotilla_contracts.cdevents)."""
    at = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    built = [
        *(
            cdevents.service_event(
                change,
                app="shop",
                env="prod",
                image="registry.example.com/shop:2.4.1",
                event_id="7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                source="/flotilla/release-api",
                at=at,
            )
            for change in ("deployed", "upgraded", "rolledback", "removed")
        ),
        *(
            cdevents.environment_event(
                change,
                env="prod",
                event_id="7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                source="/flotilla/cluster-registry",
                at=at,
            )
            for change in ("created", "modified", "deleted")
        ),
    ]
    channels["cdevents"] = {
        "address": topics.CDEVENTS,
        "description": "Optional: CDEvents 0.5.1 (cdevents.dev) of apps (services) and "
        "environments, when CDEVENTS_TOPIC names this topic (release-api, cluster-registry).",
        "messages": {},
        "bindings": {"kafka": {"topic": topics.CDEVENTS, "bindingVersion": KAFKA_BINDING}},
    }
    for event in built:
        name = "cdevent_" + event.type.removeprefix("dev.cdevents.").rsplit(".", 3)[0]
        name = name.replace(".", "_")
        messages[name] = {
            "name": event.type,
            "title": event.type,
            "contentType": "application/json",
            "traits": [{"$ref": "#/components/messageTraits/cloudEvent"}],
            "payload": CDEVENT_BODY,
            "externalDocs": {"url": str(event.dataschema)},
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": "the app's, or the environment's, name",
                    },
                    "bindingVersion": KAFKA_BINDING,
                }
            },
            "examples": [
                {
                    "name": "example",
                    "headers": dict((k, v.decode()) for k, v in event.kafka_headers()),
                    "payload": event.data,
                }
            ],
        }
        channels["cdevents"]["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    operations["publish_cdevents"] = {
        "action": "send",
        "title": f"Flotilla publishes CDEvents on {topics.CDEVENTS} (when configured)",
        "channel": {"$ref": "#/channels/cdevents"},
        "messages": [
            {"$ref": f"#/channels/cdevents/messages/{m}"} for m in channels["cdevents"]["messages"]
        ],
    }


def rendered() -> str:
    header = "# Generated from flotilla_contracts by `python -m flotilla_devstack.asyncapi`.\n"
    return header + yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    text = rendered()
    if args.check:
        if not args.target.is_file() or args.target.read_text() != text:
            sys.stderr.write(
                f"{args.target} is stale: run `python -m flotilla_devstack.asyncapi`\n"
            )
            return 1
        return 0
    args.target.parent.mkdir(parents=True, exist_ok=True)
    args.target.write_text(text)
    sys.stdout.write(f"wrote {args.target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
