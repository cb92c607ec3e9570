"""PromQL for an app's metrics, built from validated parameters only. Pure functions.

User input never becomes PromQL text except as label values that passed a strict pattern
(DNS names) and are then quoted with escaping — so `shop"} or vector(1) #` is refused before
any query is built, and could not break out of its quotes even if it were not.

Series come from cAdvisor (`container_*`, app containers selected with `container!="",
image!=""`) and kube-state-metrics (`kube_pod_*`), each scrape job labelled `cluster`. A pod's
app and env come from `kube_pod_labels` (`label_flotilla_io_app`, `label_flotilla_io_env`),
joined on (cluster, namespace, pod).

Requests and 5xx answers per second come from the unified ingress instead: k8s-sync counts
HAProxy's request log per app, env, cluster, stage and status class
(`flotilla_ingress_http_responses_total`, see k8s_sync.ingress.traffic); one series per
cluster, since the ingress, not the pod, is where an answer is counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


class Metric(StrEnum):
    CPU_USAGE = "cpu_usage_cores"
    CPU_THROTTLED = "cpu_throttled_ratio"
    MEMORY_WORKING_SET = "memory_working_set_bytes"
    MEMORY_LIMIT = "memory_limit_bytes"
    DISK_READ = "disk_read_bytes_per_s"
    DISK_WRITE = "disk_write_bytes_per_s"
    NETWORK_RECEIVE = "network_receive_bytes_per_s"
    NETWORK_TRANSMIT = "network_transmit_bytes_per_s"
    RESTARTS = "restarts"
    READY_REPLICAS = "ready_replicas"
    HTTP_REQUESTS = "http_requests_per_s"
    HTTP_5XX = "http_5xx_per_s"


INGRESS_METRICS = frozenset({Metric.HTTP_REQUESTS, Metric.HTTP_5XX})
RESPONSES = "flotilla_ingress_http_responses_total"


UNITS = {
    Metric.CPU_USAGE: "cores",
    Metric.CPU_THROTTLED: "ratio",
    Metric.MEMORY_WORKING_SET: "bytes",
    Metric.MEMORY_LIMIT: "bytes",
    Metric.DISK_READ: "bytes/s",
    Metric.DISK_WRITE: "bytes/s",
    Metric.NETWORK_RECEIVE: "bytes/s",
    Metric.NETWORK_TRANSMIT: "bytes/s",
    Metric.RESTARTS: "count",
    Metric.READY_REPLICAS: "count",
    Metric.HTTP_REQUESTS: "requests/s",
    Metric.HTTP_5XX: "requests/s",
}


class InvalidSelector(ValueError):
    """A label value that is not a plain name."""


@dataclass(frozen=True)
class Selector:
    app: str
    env: str | None = None
    cluster: str | None = None
    pod: str | None = None

    def __post_init__(self) -> None:
        for field, value in (
            ("app", self.app),
            ("env", self.env),
            ("cluster", self.cluster),
            ("pod", self.pod),
        ):
            if value is not None and not NAME.match(value):
                raise InvalidSelector(f"{field} {value!r} is not a valid name")


def quote(value: str) -> str:
    """A PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _matchers(pairs: dict[str, str | None], extra: str = "") -> str:
    parts = [f"{k}={quote(v)}" for k, v in pairs.items() if v is not None]
    if extra:
        parts.append(extra)
    return "{" + ", ".join(parts) + "}"


def build(metric: Metric, sel: Selector, window_s: int) -> str:
    """The PromQL for `metric` of the selected pods; one series per (cluster, pod), except
    ready_replicas and the ingress's answers: one per cluster."""
    if metric in INGRESS_METRICS:
        if sel.pod is not None:
            raise InvalidSelector(f"pod: {metric} is counted per cluster, not per pod")
        code = {"code": "5xx"} if metric == Metric.HTTP_5XX else {}
        answers = _matchers({"app": sel.app, "env": sel.env, "cluster": sel.cluster, **code})
        return f"sum by (cluster) (rate({RESPONSES}{answers}[{window_s}s]))"
    where = {"cluster": sel.cluster, "pod": sel.pod}
    owners = _matchers(
        {
            "label_flotilla_io_app": sel.app,
            "label_flotilla_io_env": sel.env,
            "cluster": sel.cluster,
            "pod": sel.pod,
        }
    )
    join = (
        " * on (cluster, namespace, pod) group_left() "
        f"max by (cluster, namespace, pod) (kube_pod_labels{owners})"
    )
    app_containers = 'container!="", image!=""'
    window = f"[{window_s}s]"

    def rate(series: str, extra: str = app_containers) -> str:
        return f"sum by (cluster, namespace, pod) (rate({series}{_matchers(where, extra)}{window}))"

    def gauge(series: str, extra: str = app_containers) -> str:
        return f"sum by (cluster, namespace, pod) ({series}{_matchers(where, extra)})"

    def by_pod(expr: str) -> str:
        return f"sum by (cluster, pod) ({expr}{join})"

    if metric == Metric.CPU_USAGE:
        return by_pod(rate("container_cpu_usage_seconds_total"))
    if metric == Metric.CPU_THROTTLED:
        return (
            f"{by_pod(rate('container_cpu_cfs_throttled_periods_total'))} / "
            f"{by_pod(rate('container_cpu_cfs_periods_total'))}"
        )
    if metric == Metric.MEMORY_WORKING_SET:
        return by_pod(gauge("container_memory_working_set_bytes"))
    if metric == Metric.MEMORY_LIMIT:
        return by_pod(gauge("container_spec_memory_limit_bytes"))
    if metric == Metric.DISK_READ:
        return by_pod(rate("container_fs_reads_bytes_total"))
    if metric == Metric.DISK_WRITE:
        return by_pod(rate("container_fs_writes_bytes_total"))
    if metric == Metric.NETWORK_RECEIVE:  # per pod sandbox, not per app container
        return by_pod(rate("container_network_receive_bytes_total", ""))
    if metric == Metric.NETWORK_TRANSMIT:
        return by_pod(rate("container_network_transmit_bytes_total", ""))
    if metric == Metric.RESTARTS:
        return by_pod(gauge("kube_pod_container_status_restarts_total", ""))
    if metric == Metric.READY_REPLICAS:
        ready = gauge("kube_pod_status_ready", 'condition="true"')
        return f"sum by (cluster) ({ready}{join})"
    raise ValueError(f"unknown metric {metric}")
