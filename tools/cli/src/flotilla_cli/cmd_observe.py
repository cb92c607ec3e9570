"""`flotilla logs`, `metrics` and `alerts`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from flotilla_cli.common import (
    Session,
    app_argument,
    cols,
    done,
    env_option,
    output_option,
    pass_session,
    show,
)

if TYPE_CHECKING:
    pass


@click.command(
    epilog="Examples:\n\n\b\n  flotilla logs demo --env prod --since 15m --grep timeout\n"
    "  flotilla logs demo --env prod -f --cluster idc-a-1"
)
@app_argument
@env_option()
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines.")
@click.option("--since", default="1h", show_default=True, help="How far back: 30s, 15m, 2h, 1d.")
@click.option("--grep", help="Only lines containing this (case-insensitive).")
@click.option("--cluster", help="Only this cluster.")
@click.option("--pod", help="Only this pod.")
@click.option("--level", help="Only this level (error, warning, info, ...).")
@click.option("--limit", type=click.IntRange(1, 1000), default=200, show_default=True)
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
@pass_session
def logs(
    session: Session,
    app: str,
    env: str,
    follow: bool,
    since: str,
    grep: str | None,
    cluster: str | None,
    pod: str | None,
    level: str | None,
    limit: int,
    output: str,
) -> None:
    """An app's logs, from every cluster (oldest first); -f follows new lines."""
    from flotilla_cli.observe import log_line, since_timestamp

    ops = session.ops()
    page = ops.search_logs(
        app=app,
        env=env,
        since=since_timestamp(since),
        contains=grep,
        cluster=cluster,
        pod=pod,
        level=level,
        limit=limit,
    )
    for line in reversed(page["items"]) if _newest_first(page["items"]) else page["items"]:
        click.echo(log_line(line, output))
    if not follow:
        return
    stream = session.new_ops(timeout_s=max(session.timeout_s, 60))
    for event in stream.tail_logs(app=app, env=env, cluster=cluster, pod=pod, level=level):
        data = event.data
        if not isinstance(data, dict):
            continue
        if grep and grep.lower() not in str(data.get("message", "")).lower():
            continue
        click.echo(log_line(data, output))


def _newest_first(items: list[dict[str, Any]]) -> bool:
    return len(items) > 1 and str(items[0].get("ts")) > str(items[-1].get("ts"))


@click.command(
    epilog="Examples:\n\n\b\n  flotilla metrics demo --env prod\n"
    "  flotilla metrics demo --metric restarts --since 6h -o json"
)
@app_argument
@env_option(required=False)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="cpu_usage_cores, memory_working_set_bytes, restarts, ready_replicas, "
    "http_requests_per_s, http_5xx_per_s, ... (default: CPU, memory, restarts, ready replicas, "
    "requests and 5xx per second).",
)
@click.option("--cluster", help="Only this cluster.")
@click.option("--since", default="1h", show_default=True, help="The range: 30m, 6h, 1d.")
@output_option
@pass_session
def metrics(
    session: Session,
    app: str,
    env: str | None,
    metrics: tuple[str, ...],
    cluster: str | None,
    since: str,
    output: str,
) -> None:
    """An app's metrics per cluster and pod: latest value, range and a sparkline."""
    from flotilla_cli.observe import metric_rows, since_timestamp

    chosen = metrics or (
        "cpu_usage_cores",
        "memory_working_set_bytes",
        "restarts",
        "ready_replicas",
        "http_requests_per_s",
        "http_5xx_per_s",
    )
    ops = session.ops()
    docs = [
        ops.app_metrics(app=app, metric=m, env=env, cluster=cluster, start=since_timestamp(since))
        for m in chosen
    ]
    if output in ("json", "yaml"):
        show(docs, output, [], items=True)
        return
    columns = cols(
        ("METRIC", "metric"),
        ("SERIES", "series"),
        ("LATEST", "latest"),
        ("MIN", "min"),
        ("MAX", "max"),
        ("TREND", "trend"),
    )
    show(metric_rows(docs), output, columns, items=True)


ALERT_COLUMNS = (
    ("ID", "id"),
    ("APP", "app"),
    ("ENV", "env"),
    ("CLUSTER", "cluster"),
    ("REASON", "reason"),
    ("SEVERITY", "severity"),
    ("FIRED", "fired_at"),
    ("RESOLVED", "resolved_at"),
    ("ACKED-BY", "acknowledged_by"),
    ("POD", "pod", True),
    ("MESSAGE", "message", True),
)


@click.group(
    invoke_without_command=True,
    epilog="Examples:\n\n\b\n  flotilla alerts --app demo\n  flotilla alerts ack 42",
)
@click.pass_context
def alerts(ctx: click.Context) -> None:
    """Alerts (restarts, pods not ready, ...): list them, acknowledge one."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(alerts_list)


@alerts.command("list", epilog="Example:\n\n\b\n  flotilla alerts list --app demo --state all")
@click.option("--app")
@env_option(required=False)
@click.option("--cluster")
@click.option(
    "--state", type=click.Choice(["active", "resolved", "all"]), default="active", show_default=True
)
@output_option
@pass_session
def alerts_list(
    session: Session,
    app: str | None = None,
    env: str | None = None,
    cluster: str | None = None,
    state: str = "active",
    output: str = "table",
) -> None:
    """Alerts, newest first."""
    page = session.ops().list_alerts(app=app, env=env, cluster=cluster, state=state)
    show(page["items"], output, cols(*ALERT_COLUMNS), items=True)


@alerts.command("ack", epilog="Example:\n\n\b\n  flotilla alerts ack 42")
@click.argument("alert_id")
@pass_session
def alerts_ack(session: Session, alert_id: str) -> None:
    """Acknowledge an alert (you are named as who did)."""
    session.ops().acknowledge_alert(alert_id=alert_id)
    done(f"alert {alert_id}: acknowledged")
