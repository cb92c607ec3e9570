"""The CDEvents Flotilla builds are what the CD Foundation's schemas (0.5.1, vendored) accept,
in the CloudEvents binding the spec gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flotilla_contracts import from_kafka
from flotilla_contracts.cdevents import environment_event, image_purl, service_event

from .cdevents_schemas import errors

AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("change", ["deployed", "upgraded", "rolledback", "removed"])
def test_service_events_pass_the_schemas(change: str) -> None:
    event = service_event(
        change,  # type: ignore[arg-type]
        app="shop",
        env="prod",
        image="registry.example.com/team/shop:2.4.1",
        event_id="e1",
        source="/flotilla/release-api",
        at=AT,
    )
    assert errors(event.data) == []
    assert event.type == f"dev.cdevents.service.{change}.0.3.0"
    back = from_kafka(event.kafka_headers(), event.kafka_value())  # the binding round-trips
    assert back.type == event.data["context"]["type"]
    assert back.id == event.data["context"]["id"]


@pytest.mark.parametrize("change", ["created", "modified", "deleted"])
def test_environment_events_pass_the_schemas(change: str) -> None:
    event = environment_event(
        change,  # type: ignore[arg-type]
        env="prod",
        event_id="e2",
        source="/flotilla/cluster-registry",
        at=AT,
    )
    assert errors(event.data) == []


def test_the_schemas_refuse_what_is_wrong() -> None:
    event = service_event(
        "deployed", app="shop", env="prod", image="shop:1", event_id="e", source="/s", at=AT
    ).data
    del event["subject"]["content"]["artifactId"]
    assert any("artifactId" in e for e in errors(event))


@pytest.mark.parametrize(
    ("image", "purl"),
    [
        ("shop:1.0", "pkg:oci/shop?repository_url=shop&tag=1.0"),
        (
            "registry.example.com:5000/team/shop:2.4.1",
            "pkg:oci/shop?repository_url=registry.example.com%3A5000%2Fteam%2Fshop&tag=2.4.1",
        ),
        (
            "registry.example.com/shop@sha256:ab12",
            "pkg:oci/shop@sha256%3Aab12?repository_url=registry.example.com%2Fshop",
        ),
    ],
)
def test_images_become_package_urls(image: str, purl: str) -> None:
    assert image_purl(image) == purl
