"""PromQL for the built-in analysis metrics and for custom checks. Pure functions.

Every value that comes from a request enters a query as a PromQL string literal through
`quote` (monitor_gateway.metrics.promql), never as text: a custom check's `$param` holding
`"} or vector(1) #` stays a string that matches nothing. Cluster lists become one regular
expression of escaped names (`cluster=~"a1|b\\.x"`).

Series: k8s-sync's `flotilla_ingress_http_responses_total` and
`flotilla_ingress_http_request_duration_seconds` (k8s_sync.ingress.traffic: HAProxy's request
log counted per app, env, cluster and stage); kube-state-metrics' `kube_pod_*`, joined to the
release's pods by `kube_pod_labels` (app, env and `app.kubernetes.io/version`).
"""

from __future__ import annotations

import re

from flotilla_contracts.analysis import PLACEHOLDERS, Metric
from monitor_gateway.metrics.promql import RESPONSES, quote

DURATION = "flotilla_ingress_http_request_duration_seconds_bucket"
_PLACEHOLDER = re.compile(r"\$([a-z_][a-z0-9_]*)")
GRAY = "gray"


def cluster_regex(clusters: list[str]) -> str:
    return "|".join(re.escape(c) for c in sorted(clusters))


def _m(**pairs: str | None) -> str:
    """Matchers; a key ending in `_re` is a regex match, `_ne` a negative one."""
    parts = []
    for key, value in pairs.items():
        if value is None:
            continue
        if key.endswith("_re"):
            parts.append(f"{key[:-3]}=~{quote(value)}")
        elif key.endswith("_ne"):
            parts.append(f"{key[:-3]}!={quote(value)}")
        else:
            parts.append(f"{key}={quote(value)}")
    return "{" + ", ".join(parts) + "}"


def http(
    metric: Metric,
    *,
    app: str,
    env: str,
    clusters: list[str],
    window_s: float,
    by_cluster: bool,
    stage: str | None = None,
    not_stage: str | None = None,
) -> str:
    """5xx ratio or p99 latency through the ingress: per cluster, or over all of `clusters`."""
    window = f"[{max(2, round(window_s))}s]"
    base = {"app": app, "env": env, "cluster_re": cluster_regex(clusters)}
    if stage is not None:
        base["stage"] = stage
    if not_stage is not None:
        base["stage_ne"] = not_stage
    by = "by (cluster) " if by_cluster else ""
    if metric == Metric.HTTP_5XX_RATIO:
        # No 5xx series at all is a ratio of 0 where there was traffic (`or 0 * total`), and
        # no answer (no data) where there was none.
        errors = f"sum {by}(rate({RESPONSES}{_m(**base, code='5xx')}{window}))"
        total = f"sum {by}(rate({RESPONSES}{_m(**base)}{window}))"
        return f"({errors} or 0 * {total}) / {total}"
    if metric == Metric.HTTP_P99_LATENCY:
        le = "by (cluster, le) " if by_cluster else "by (le) "
        return f"histogram_quantile(0.99, sum {le}(rate({DURATION}{_m(**base)}{window})))"
    raise ValueError(f"not an http metric: {metric}")


def pods(
    metric: Metric,
    *,
    app: str,
    env: str,
    version: str | None,
    clusters: list[str],
    by_cluster: bool,
) -> str:
    """Restarts, or OOM-killed containers, of the release's pods (its version's)."""
    owners = _m(
        label_flotilla_io_app=app,
        label_flotilla_io_env=env,
        label_app_kubernetes_io_version=version,
        cluster_re=cluster_regex(clusters),
    )
    join = (
        " * on (cluster, namespace, pod) group_left() "
        f"max by (cluster, namespace, pod) (kube_pod_labels{owners})"
    )
    where = _m(cluster_re=cluster_regex(clusters))
    if metric == Metric.RESTARTS:
        inner = (
            f"sum by (cluster, namespace, pod) (kube_pod_container_status_restarts_total{where})"
        )
    elif metric == Metric.OOM_KILLS:
        oom = _m(cluster_re=cluster_regex(clusters), reason="OOMKilled")
        inner = (
            "sum by (cluster, namespace, pod) "
            f"(kube_pod_container_status_last_terminated_reason{oom} > bool 0)"
        )
    else:
        raise ValueError(f"not a pod metric: {metric}")
    by = "by (cluster) " if by_cluster else ""
    return f"sum {by}({inner}{join})"


def custom(template: str, values: dict[str, str]) -> str:
    """A custom check's query with every `$name` a quoted string literal. Unknown names are
    refused (the check's model refused them already; a second line of defence)."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(name)
        return quote(values[name])

    return _PLACEHOLDER.sub(sub, template)


def placeholders(
    *, app: str, env: str, cluster: str, stage: str | None, version: str | None
) -> dict[str, str]:
    found = {
        "app": app,
        "env": env,
        "cluster": cluster,
        "stage": stage or "",
        "version": version or "",
    }
    assert set(found) == set(PLACEHOLDERS)
    return found
