"""CDEvents (the CD Foundation's vocabulary of delivery events, https://cdevents.dev) for the
tools that already read them: Flotilla's release and environment changes in their terms.

Spec version 0.5.1, events at version 0.3.0, in CloudEvents binary mode like Flotilla's own
events (the CDEvents CloudEvents binding: `ce_type` is the CDEvent's `context.type`, `ce_id`
and `ce_source` are its context's, the body is the whole CDEvent). They go to an optional topic
of their own (`CDEVENTS_TOPIC`), beside Flotilla's types, never instead of them.

What maps to what (release-api and cluster-registry decide when; this module builds):
- `service.deployed`: a release of an app to an environment succeeded (in every cluster or
  some) and no earlier release of the app there had: the service (the app) now exists there;
- `service.upgraded`: the same, when an earlier one had;
- `service.rolledback`: a rollback release succeeded: `artifactId` is the version put back;
- `service.removed`: the app was archived: once per environment it was released to;
- `environment.created | modified | deleted`: an environment was created; mapped to a cluster,
  unmapped or given a new policy; deleted.

The subject of a service event is the app (`id`: its name) in an environment (`content
.environment.id`: the environment's name, source cluster-registry); `artifactId` is the image
as a package URL of type `oci` (purl spec: `pkg:oci/<name>?repository_url=...&tag=...`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal
from urllib.parse import quote

from flotilla_contracts.cloudevents import CloudEvent

SPEC_VERSION: Final = "0.5.1"
EVENT_VERSION: Final = "0.3.0"
REGISTRY_SOURCE: Final = "/flotilla/cluster-registry"

ServiceChange = Literal["deployed", "upgraded", "rolledback", "removed"]
EnvironmentChange = Literal["created", "modified", "deleted"]


def event_type(subject: str, predicate: str) -> str:
    return f"dev.cdevents.{subject}.{predicate}.{EVENT_VERSION}"


def schema_uri(subject: str, predicate: str) -> str:
    """The `$id` of the event's schema in the CDEvents specification."""
    return f"https://cdevents.dev/{SPEC_VERSION}/schema/{subject}-{predicate}-event"


def image_purl(image: str) -> str:
    """A container image reference as a package URL (`pkg:oci/...`)."""
    digest = ""
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = ""
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    name = image.rsplit("/", 1)[-1].lower()
    purl = f"pkg:oci/{quote(name, safe='')}"
    if digest:
        purl += f"@{quote(digest, safe='')}"
    qualifiers = [f"repository_url={quote(image, safe='')}"]
    if tag:
        qualifiers.append(f"tag={quote(tag, safe='')}")
    return f"{purl}?{'&'.join(qualifiers)}"


def _event(
    subject: str,
    predicate: str,
    *,
    event_id: str,
    source: str,
    at: datetime,
    subject_id: str,
    content: dict[str, Any],
) -> CloudEvent:
    kind = event_type(subject, predicate)
    body = {
        "context": {
            "specversion": SPEC_VERSION,
            "id": event_id,
            "source": source,
            "type": kind,
            "timestamp": at.isoformat(),
            "schemaUri": schema_uri(subject, predicate),
        },
        "subject": {"id": subject_id, "source": source, "content": content},
    }
    return CloudEvent(
        id=event_id,
        source=source,
        type=kind,
        subject=subject_id,
        time=at,
        dataschema=schema_uri(subject, predicate),
        data=body,
    )


def service_event(
    change: ServiceChange,
    *,
    app: str,
    env: str,
    image: str | None,
    event_id: str,
    source: str,
    at: datetime,
) -> CloudEvent:
    """A service (app) event; `image` is the version it runs now (unused for `removed`)."""
    content: dict[str, Any] = {"environment": {"id": env, "source": REGISTRY_SOURCE}}
    if change != "removed":
        if not image:
            raise ValueError(f"service.{change} needs the image")
        content["artifactId"] = image_purl(image)
    return _event(
        "service",
        change,
        event_id=event_id,
        source=source,
        at=at,
        subject_id=app,
        content=content,
    )


def environment_event(
    change: EnvironmentChange, *, env: str, event_id: str, source: str, at: datetime
) -> CloudEvent:
    return _event(
        "environment",
        change,
        event_id=event_id,
        source=source,
        at=at,
        subject_id=env,
        content={"name": env},
    )
