"""`flotilla scale`, `restart`, `debug on|off` and `pods`: what runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from flotilla_cli.cmd_releases import COMPLETED, watch_release
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
from flotilla_cli.errors import CliError, Exit

if TYPE_CHECKING:
    pass


@click.command(epilog="Example:\n\n\b\n  flotilla scale demo --env prod --replicas 4")
@app_argument
@env_option()
@click.option("--replicas", "-r", type=click.IntRange(0, 1000), required=True)
@click.option("--cluster", help="Only this cluster.")
@output_option
@pass_session
def scale(
    session: Session, app: str, env: str, replicas: int, cluster: str | None, output: str
) -> None:
    """Set an app's replicas in every cluster of an environment (or one)."""
    body: dict[str, Any] = {"replicas": replicas}
    if cluster:
        body["cluster"] = cluster
    result = session.ops().scale_app(app=app, env=env, body=body)
    show(
        result,
        output,
        cols(("APP", "app"), ("ENV", "env"), ("REPLICAS", "replicas"), ("CLUSTERS", "clusters")),
        items=False,
    )


@click.command(epilog="Example:\n\n\b\n  flotilla restart demo --env prod --watch")
@app_argument
@env_option()
@click.option("--watch", "-w", is_flag=True, help="Follow it to the end.")
@pass_session
def restart(session: Session, app: str, env: str, watch: bool) -> None:
    """Restart an app's pods everywhere in an environment (a rolling release of what runs)."""
    created = session.ops().restart_app(app=app, env=env)
    done(f"release {created['id']}: restarting {app} in {env}")
    if watch:
        watch_release(session, app, str(created["id"]), None)


@click.group(epilog="Example:\n\n\b\n  flotilla debug on demo --env test")
def debug() -> None:
    """Debug mode: probes and lifecycle hooks off (for a CrashLoopBackOff)."""


def _debug(session: Session, app: str, env: str, on: bool, watch: bool) -> None:
    ops = session.ops()
    items = ops.list_releases(app=app, env=env, limit=50)["items"]
    current = next((r for r in items if r["phase"] in COMPLETED), None)
    if current is None:
        raise CliError(f"{app} runs nothing in {env} yet: release it first", Exit.FAILED)
    body = {"image": current["image"], "env": env, "options": {"debug": on}}
    created = ops.create_release(app=app, body=body)
    done(f"release {created['id']}: debug {'on' if on else 'off'} for {app} in {env}")
    if watch:
        watch_release(session, app, str(created["id"]), None)


@debug.command("on", epilog="Example:\n\n\b\n  flotilla debug on demo --env test --watch")
@app_argument
@env_option()
@click.option("--watch", "-w", is_flag=True)
@pass_session
def debug_on(session: Session, app: str, env: str, watch: bool) -> None:
    """Release what runs again with probes and hooks off."""
    _debug(session, app, env, True, watch)


@debug.command("off", epilog="Example:\n\n\b\n  flotilla debug off demo --env test")
@app_argument
@env_option()
@click.option("--watch", "-w", is_flag=True)
@pass_session
def debug_off(session: Session, app: str, env: str, watch: bool) -> None:
    """Release what runs again normally."""
    _debug(session, app, env, False, watch)


# ---------------------------------------------------------------------------------- pods

POD_COLUMNS = (
    ("CLUSTER", "cluster"),
    ("POD", "pod"),
    ("PHASE", "phase"),
    ("ISOLATED", "isolated_at"),
    ("BY", "isolated_by"),
    ("NAMESPACE", "namespace", True),
)


@click.group(epilog="Example:\n\n\b\n  flotilla pods list demo --env prod")
def pods() -> None:
    """Pods isolated for a post-mortem."""


@pods.command("list", epilog="Example:\n\n\b\n  flotilla pods list demo --env prod")
@app_argument
@env_option()
@output_option
@pass_session
def pods_list(session: Session, app: str, env: str, output: str) -> None:
    """The app's isolated pods in an environment."""
    show(session.ops().list_isolated_pods(app=app, env=env), output, cols(*POD_COLUMNS), items=True)


@pods.command(
    "isolate",
    epilog="Example:\n\n\b\n"
    "  flotilla pods isolate demo web-7d9f-abcde --env prod --cluster idc-a-1",
)
@app_argument
@click.argument("pod")
@env_option()
@click.option("--cluster", "-c", required=True)
@pass_session
def pods_isolate(session: Session, app: str, pod: str, env: str, cluster: str) -> None:
    """Take a pod out of its Deployment and Service (a new one replaces it); keep it."""
    session.ops().isolate_pod(app=app, env=env, cluster=cluster, pod=pod)
    done(f"{pod}: isolated in {cluster}")


@pods.command(
    "delete",
    epilog="Example:\n\n\b\n"
    "  flotilla pods delete demo web-7d9f-abcde --env prod --cluster idc-a-1",
)
@app_argument
@click.argument("pod")
@env_option()
@click.option("--cluster", "-c", required=True)
@pass_session
def pods_delete(session: Session, app: str, pod: str, env: str, cluster: str) -> None:
    """Delete an isolated pod."""
    session.ops().delete_isolated_pod(app=app, env=env, cluster=cluster, pod=pod)
    done(f"{pod}: deleted from {cluster}")
