"""How a simulated cluster is set up: its name, index (pod IP range), nodes and options."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class NodeShape:
    cpu: str = "8"
    memory: str = "32Gi"
    pods: int = 110


@dataclass
class ClusterConfig:
    name: str
    index: int  # pod IPs are 127.(10 + index).x.y
    idc: str = ""
    nodes: int = 3
    node_shape: NodeShape = field(default_factory=NodeShape)
    port: int = 0
    token: str = ""
    image_faults: dict[str, str] = field(default_factory=dict)
    # image (or prefix*) → programs it contains beside a shell (what exec hooks may run)
    image_commands: dict[str, list[str]] = field(default_factory=dict)
    pod_listeners: bool = False  # each running pod serves HTTP on its IP
    kafka_bootstrap: str | None = None  # ship pod logs (Filebeat format) to Kafka
    log_topic: str = "flotilla.logs.v1"
    log_interval_s: float = 0.0  # > 0: running pods write an application log line this often
