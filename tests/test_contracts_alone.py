"""Other services read Flotilla's events with the flotilla-contracts package alone: its wheel
installs into a fresh venv with only pydantic (and aiokafka, to read Kafka), carries the JSON
Schemas, and docs/examples/release_consumer.py — run there, nothing of the workspace on its
path — reads a release.succeeded event from a real Kafka."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaProducer

from flotilla_contracts import CloudEvent, topics
from flotilla_contracts.enums import RolloutPhase
from flotilla_contracts.events import ReleaseSucceededV1
from flotilla_devstack.alone import install_alone

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = ROOT / "libs" / "contracts"
EXAMPLE = ROOT / "docs" / "examples" / "release_consumer.py"


def run(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": ""}
    return subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)


async def test_the_contracts_package_alone_reads_an_event_from_kafka(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    python = install_alone(CONTRACTS, tmp_path, extra=("aiokafka",))
    assert run(python, "import flotilla_runtime").returncode != 0  # nothing else came along
    schema = run(
        python,
        "from flotilla_contracts.schemas import load; "
        "print(load('io.flotilla.release.succeeded')['$id'])",
    )
    assert schema.stdout.strip() == "https://flotilla.io/schemas/io.flotilla.release.succeeded.json"

    app = f"alone-{uuid.uuid4().hex[:6]}"
    payload = ReleaseSucceededV1(
        release_id=uuid.uuid4(),
        app=app,
        env="prod",
        image=f"{app}:1.0",
        clusters={"idc-a-1": RolloutPhase.SUCCEEDED, "idc-b-1": RolloutPhase.SUCCEEDED},
        errors={},
    )
    event = CloudEvent.of(payload, source="/flotilla/release-api", subject=str(payload.release_id))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for _ in range(2):  # delivered twice (at least once): the example handles it once
            await producer.send_and_wait(
                topics.RELEASES,
                event.kafka_value(),
                key=app.encode(),
                headers=event.kafka_headers(),
            )
    finally:
        await producer.stop()

    env = {
        **os.environ,
        "PYTHONPATH": "",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "GROUP_ID": f"example-{app}",
    }
    consumer = await asyncio.create_subprocess_exec(
        str(python),
        str(EXAMPLE),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert consumer.stdout is not None
    wanted = f"{app} {app}:1.0 is live in prod (idc-a-1, idc-b-1)"
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        # until our line, then 3 s more: the duplicate, were it printed, would be by then
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = await asyncio.wait_for(consumer.stdout.readline(), timeout=left)
            except TimeoutError:
                break
            if not line:
                break
            lines.append(line.decode().strip())
            if wanted in lines:
                deadline = min(deadline, time.monotonic() + 3)
    finally:
        consumer.terminate()
        _, errors = await consumer.communicate()
    assert lines.count(wanted) == 1, (lines, errors.decode()[-2000:])
