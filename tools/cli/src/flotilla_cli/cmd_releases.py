"""`flotilla release`: create, follow and control releases."""

from __future__ import annotations

import inspect
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from flotilla_cli.common import (
    Session,
    app_argument,
    cols,
    complete_apps,
    done,
    env_option,
    output_option,
    pass_session,
    read_document,
    show,
)
from flotilla_cli.errors import CliError, Exit

if TYPE_CHECKING:
    from flotilla_cli.operations import Operations

COMPLETED = ("succeeded", "rolled-back")  # what runs everywhere (a rollback that finished)
RELEASE_COLUMNS = (
    ("ID", "id"),
    ("APP", "app"),
    ("ENV", "env"),
    ("IMAGE", "image"),
    ("STRATEGY", "strategy"),
    ("PHASE", "phase"),
    ("CREATED", "created_at"),
    ("REQUESTED-BY", "requested_by", True),
    ("FINISHED", "finished_at", True),
    ("ROLLBACK-OF", "rollback_of", True),
)
ROLLOUT_COLUMNS = (
    ("CLUSTER", "cluster"),
    ("IDC", "idc"),
    ("WAVE", "wave"),
    ("PHASE", "phase"),
    ("READY", "progress.ready"),
    ("DESIRED", "progress.desired"),
    ("ERROR", "error"),
    ("NAMESPACE", "namespace", True),
    ("STARTED", "started_at", True),
    ("FINISHED", "finished_at", True),
)


@click.group(
    epilog="Example:\n\n\b\n  flotilla release create demo --env prod --image demo/web:2.0 --watch"
)
def release() -> None:
    """Releases to every cluster of an environment, and their control."""


def resolve_release(ops: Operations, app: str, release_id: str | None, env: str | None) -> str:
    """A full release id from an id, a prefix of one (as `release list` and the watch show
    it), or nothing: the app's latest release (in `env` when given)."""
    if release_id and len(release_id) == 36:
        return release_id
    page = ops.list_releases(app=app, env=env, limit=200)
    items = page["items"]
    if release_id is None:
        if not items:
            where = f" in {env}" if env else ""
            raise CliError(f"{app} has no release{where}", Exit.DENIED)
        return str(items[0]["id"])
    found = [r["id"] for r in items if str(r["id"]).startswith(release_id)]
    if len(found) == 1:
        return str(found[0])
    if not found:
        raise CliError(f"no release of {app} starts with {release_id!r}", Exit.DENIED)
    raise CliError(f"{release_id!r} names {len(found)} releases of {app}: give more", Exit.USAGE)


def watch_release(
    session: Session, app: str, release_id: str, timeout_s: float | None, *, quiet: bool = False
) -> None:
    """Follow to the end; exit with the release's outcome."""
    from flotilla_cli.watch import Follower, follow

    follower = Follower(session.ops(), session.new_ops(), app, release_id)
    live = sys.stdout.isatty() and not quiet and os.environ.get("TERM") != "dumb"
    code = follow(follower, live=live, timeout_s=timeout_s, quiet=quiet)
    if code != Exit.OK:
        raise SystemExit(int(code))


def parse_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """`key=value` pairs, each value read as YAML (numbers, booleans, strings)."""
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--option {pair!r}: expected key=value", Exit.USAGE)
        options[key.strip()] = yaml.safe_load(value) if value else ""
    return options


@release.command(
    "create",
    epilog="Examples:\n\n\b\n"
    "  flotilla release create demo --env prod --image demo/web:2.0 --watch\n"
    "  flotilla release create demo -e prod -i demo/web:2.1 --strategy blue-green \\\n"
    "      --option promote=manual --plan waves.yaml",
)
@app_argument
@env_option()
@click.option("--image", "-i", required=True, help="The image to release.")
@click.option(
    "--strategy",
    type=click.Choice(["rolling", "blue-green", "gray"]),
    help="Default: rolling.",
)
@click.option("--plan", "plan_path", help="Fleet waves as YAML or JSON (default: the env's).")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A release option (promote=manual, gray_percent=10, timeout_s=300, ...).",
)
@click.option("--freeze-override", metavar="REASON", help="Admins: release inside a freeze.")
@click.option("--watch", "-w", is_flag=True, help="Follow it to the end; exit with its outcome.")
@click.option("--timeout", type=float, help="With --watch: give up after this many seconds (4).")
@output_option
@pass_session
def release_create(
    session: Session,
    app: str,
    env: str,
    image: str,
    strategy: str | None,
    plan_path: str | None,
    options: tuple[str, ...],
    freeze_override: str | None,
    watch: bool,
    timeout: float | None,
    output: str,
) -> None:
    """Release IMAGE of APP to every cluster of an environment."""
    body: dict[str, Any] = {"image": image, "env": env}
    if strategy:
        body["strategy"] = strategy
    opts = parse_options(options)
    if freeze_override:
        opts["freeze_override"] = freeze_override
    if opts:
        body["options"] = opts
    if plan_path:
        body["plan"] = read_document(plan_path)
    created = session.ops().create_release(app=app, body=body)
    if not watch:
        show(created, output, cols(*RELEASE_COLUMNS), items=False)
        return
    done(f"release {created['id']} of {app} to {env}: {created['phase']}")
    watch_release(session, app, str(created["id"]), timeout)


@release.command(
    "list",
    epilog="Examples:\n\n\b\n  flotilla release list demo --env prod\n"
    "  flotilla release list --active          # every app's releases in flight",
)
@click.argument("app", required=False, shell_complete=complete_apps)
@env_option(required=False)
@click.option("--active", is_flag=True, help="Only releases not finished.")
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@output_option
@pass_session
def release_list(
    session: Session, app: str | None, env: str | None, active: bool, limit: int, output: str
) -> None:
    """An app's releases, or every app's without APP; newest first."""
    ops = session.ops()
    if app is None:
        page = ops.list_fleet_releases(active=active or None, env=env, limit=limit)
    else:
        page = ops.list_releases(app=app, env=env, limit=limit)
        if active:
            page["items"] = [r for r in page["items"] if not r.get("finished_at")]
    show(page["items"], output, cols(*RELEASE_COLUMNS), items=True)


@release.command(
    "get",
    epilog="Examples:\n\n\b\n  flotilla release get demo             # the latest\n"
    "  flotilla release get demo 3f2a91c0 -o json",
)
@app_argument
@click.argument("release_id", required=False)
@env_option(required=False)
@output_option
@pass_session
def release_get(
    session: Session, app: str, release_id: str | None, env: str | None, output: str
) -> None:
    """A release (default: the app's latest) and each cluster's rollout."""
    ops = session.ops()
    doc = ops.get_release(app=app, release_id=resolve_release(ops, app, release_id, env))
    if output in ("json", "yaml"):
        show(doc, output, [], items=False)
        return
    show(doc, output, cols(*RELEASE_COLUMNS), items=False)
    click.echo()
    show(doc["clusters"], output, cols(*ROLLOUT_COLUMNS), items=True)


@release.command(
    "watch",
    epilog="Example:\n\n\b\n  flotilla release watch demo --timeout 600",
)
@app_argument
@click.argument("release_id", required=False)
@env_option(required=False)
@click.option("--timeout", type=float, help="Give up after this many seconds (exit 4).")
@pass_session
def release_watch(
    session: Session, app: str, release_id: str | None, env: str | None, timeout: float | None
) -> None:
    """Follow a release live: waves, IDCs and clusters with pods, ingress and analysis; exit
    with its outcome (0 succeeded, 1 otherwise). One line per event when not a terminal."""
    rid = resolve_release(session.ops(), app, release_id, env)
    watch_release(session, app, rid, timeout)


@release.command(
    "status",
    epilog="Example:\n\n\b\n  flotilla release status demo --env prod --timeout 300 || exit $?",
)
@app_argument
@click.argument("release_id", required=False)
@env_option(required=False)
@click.option("--timeout", type=float, help="Give up after this many seconds (exit 4).")
@pass_session
def release_status(
    session: Session, app: str, release_id: str | None, env: str | None, timeout: float | None
) -> None:
    """Wait for a release to end, printing its phase as it changes; exit 0 when it succeeded,
    1 when it did not, 4 when --timeout passed first (for CI gates)."""
    rid = resolve_release(session.ops(), app, release_id, env)
    watch_release(session, app, rid, timeout, quiet=True)


def _control(name: str, op: str, summary: str, *, comment: bool = False) -> None:
    @release.command(
        name,
        help=summary,
        epilog=f"Example:\n\n\b\n  flotilla release {name} demo --env prod",
    )
    @app_argument
    @click.argument("release_id", required=False)
    @env_option(required=False)
    @click.option("--comment", "-m", help="Why (kept with the decision).", hidden=not comment)
    @pass_session
    def command(
        session: Session, app: str, release_id: str | None, env: str | None, comment: str | None
    ) -> None:
        ops = session.ops()
        rid = resolve_release(ops, app, release_id, env)
        method = getattr(ops, op)
        kwargs: dict[str, Any] = {"app": app, "release_id": rid}
        if "body" in inspect.signature(method).parameters:
            kwargs["body"] = {"comment": comment} if comment else {}
        result = method(**kwargs)
        done(f"release {rid}: {name} → {result.get('phase', 'accepted')}")

    del command


_control("promote", "promote_release", "Promote a blue-green or gray release that waits.")
_control("pause", "pause_release", "Pause a release: no cluster starts or goes further.")
_control("resume", "resume_release", "Resume a paused release.")
_control("abort", "abort_release", "Abort a release: clusters under way are put back.")
_control("skip-soak", "skip_soak_release", "End the current wave's soak now.")
_control("approve", "approve_release", "Approve a release waiting for approval.", comment=True)
_control("reject", "reject_release", "Reject a release waiting for approval.", comment=True)


@release.command(
    "rollback",
    epilog="Examples:\n\n\b\n"
    "  flotilla release rollback demo --env prod    # to the previous good one\n"
    "  flotilla release rollback demo --env prod --to 3f2a91c0 --watch",
)
@app_argument
@env_option()
@click.option(
    "--to",
    "to",
    help="The release to go back to (default: the last one that succeeded before the current one).",
)
@click.option("--watch", "-w", is_flag=True, help="Follow it to the end.")
@click.option("--timeout", type=float, help="With --watch: give up after this many seconds.")
@pass_session
def release_rollback(
    session: Session, app: str, env: str, to: str | None, watch: bool, timeout: float | None
) -> None:
    """Release again what an earlier release released (its image and spec), to every cluster
    at once."""
    ops = session.ops()
    if to is not None:
        target = resolve_release(ops, app, to, env)
    else:
        items = ops.list_releases(app=app, env=env, limit=200)["items"]
        done_ = [r for r in items if r["phase"] in COMPLETED]
        if len(done_) < 2:
            raise CliError(f"{app} has no earlier successful release in {env}", Exit.FAILED)
        target = done_[1]["id"]  # the one before what runs now
    created = ops.rollback_to_release(app=app, release_id=str(target))
    done(f"release {created['id']}: rolling {app} in {env} back to {created['image']}")
    if watch:
        watch_release(session, app, str(created["id"]), timeout)
