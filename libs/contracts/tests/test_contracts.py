"""Contracts: schemas stay in step with the models; CloudEvents survive the Kafka round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import ValidationError

from flotilla_contracts import CloudEvent, NotACloudEvent, from_kafka, labels, model_for_type
from flotilla_contracts.enums import ClusterStatus, ReleasePhase, Strategy
from flotilla_contracts.events import (
    ALL_PAYLOADS,
    ClusterStatusChangedV1,
    ReleaseCreatedV1,
)
from flotilla_contracts.schemas import DEFAULT_DIR, load, main, stale_files


def test_checked_in_schemas_are_current() -> None:
    stale = stale_files(DEFAULT_DIR)
    assert not stale, f"run `uv run flotilla-contracts-schemas` to refresh: {stale}"


def test_check_mode_detects_a_stale_file(tmp_path: Path) -> None:
    assert main(["--dir", str(tmp_path)]) == 0
    assert main(["--dir", str(tmp_path), "--check"]) == 0
    victim = tmp_path / f"{ReleaseCreatedV1.event_type}.json"
    schema = json.loads(victim.read_text())
    schema["properties"].pop("image")
    victim.write_text(json.dumps(schema))
    (tmp_path / "io.flotilla.gone.json").write_text("{}")
    assert set(stale_files(tmp_path)) == {victim.name, "io.flotilla.gone.json"}
    assert main(["--dir", str(tmp_path), "--check"]) == 1


def test_every_type_is_unique_and_named_by_convention() -> None:
    types = [m.event_type for m in ALL_PAYLOADS]
    assert len(types) == len(set(types))
    for t in types:
        assert t.startswith("io.flotilla.")
        assert len(t.split(".")) == 4
    for model in ALL_PAYLOADS:
        assert model.__name__.endswith("V1")
        assert model_for_type(model.event_type) is model


def test_payloads_are_frozen_and_strict() -> None:
    payload = ReleaseCreatedV1(
        release_id=uuid4(),
        app="checkout",
        env="prod",
        image="r/checkout:1.2",
        strategy=Strategy.ROLLING,
        clusters=("idc-a",),
        requested_by="alice",
    )
    with pytest.raises(ValidationError):
        payload.app = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        ReleaseCreatedV1.model_validate({**payload.model_dump(), "surprise": 1})
    with pytest.raises(ValidationError, match="pattern"):
        ReleaseCreatedV1.model_validate({**payload.model_dump(), "app": "Not_A_DNS_Label"})


def test_cloudevent_round_trip_through_kafka_binary_mode() -> None:
    payload = ClusterStatusChangedV1(
        cluster="idc-a",
        status=ClusterStatus.UNREACHABLE,
        previous_status=ClusterStatus.READY,
        observed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    event = CloudEvent.of(payload, source="/flotilla/cluster-registry", subject="idc-a")
    headers = event.kafka_headers()
    assert ("ce_type", b"io.flotilla.cluster.status_changed") in headers
    assert ("content-type", b"application/json") in headers
    dataschema = dict(headers)["ce_dataschema"].decode()
    assert dataschema == load(event.type)["$id"]  # the packaged schema of this type
    back = from_kafka(headers, event.kafka_value())
    assert back == event
    model = model_for_type(back.type)
    assert model is ClusterStatusChangedV1
    assert model.model_validate(back.data) == payload


@pytest.mark.parametrize(
    ("headers", "value", "message"),
    [
        ([], b"{}", "missing headers"),
        (
            [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_specversion", b"1.0")],
            b"[1]",
            "JSON object",
        ),
        (
            [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_type", b"t"), ("ce_specversion", b"1.0")],
            b"{oops",
            "Expecting",
        ),
        (
            [
                ("ce_id", b"1"),
                ("ce_source", b"/s"),
                ("ce_type", b"t"),
                ("ce_specversion", b"1.0"),
                ("ce_time", b"yesterday"),
            ],
            b"{}",
            "Invalid isoformat",
        ),
    ],
)
def test_malformed_records_raise_not_a_cloudevent(
    headers: list[tuple[str, bytes]], value: bytes, message: str
) -> None:
    with pytest.raises(NotACloudEvent, match=message):
        from_kafka(headers, value)


def test_phases_and_labels() -> None:
    assert ReleasePhase.SUCCEEDED.is_terminal
    assert not ReleasePhase.PAUSED.is_terminal
    assert labels.MANAGED_BY_VALUE == "flotilla"
    assert all(key.count("/") == 1 for key in labels.ALL)
