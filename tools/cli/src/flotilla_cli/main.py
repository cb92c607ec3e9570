"""The `flotilla` command: click groups over the typed client (flotilla_cli.operations).

Only click is imported at start; httpx, Rich and YAML load when a command needs them, so
`flotilla --help` answers in a few tens of milliseconds (bench/cli_startup.py).
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from flotilla_cli import __version__
from flotilla_cli.errors import CliError, Exit

if TYPE_CHECKING:
    from flotilla_cli.config import Config, Context
    from flotilla_cli.operations import Operations
    from flotilla_cli.output import Column

F = TypeVar("F", bound=Callable[..., Any])


class Session:
    """What a command needs, made when first asked for."""

    def __init__(self, context: str | None, debug: bool, timeout_s: float) -> None:
        self.context_name = context
        self.debug = debug
        self.timeout_s = timeout_s
        self._config: Config | None = None
        self._ops: Operations | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from flotilla_cli.config import Config

            self._config = Config.load()
        return self._config

    def context(self) -> Context:
        return self.config.resolve(self.context_name)

    def ops(self) -> Operations:
        if self._ops is None:
            self._ops = self.new_ops()
        return self._ops

    def new_ops(self, *, timeout_s: float | None = None) -> Operations:
        from flotilla_cli.operations import Operations
        from flotilla_cli.transport import Transport

        context = self.context()
        return Operations(
            Transport(
                context.urls(),
                context.bearer(),
                verify=context.verify(),
                timeout_s=timeout_s or self.timeout_s,
                debug=self.debug,
            )
        )


pass_session = click.make_pass_decorator(Session)


def output_option(f: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Choice(["table", "wide", "json", "yaml"]),
        default="table",
        show_default=True,
        help="table and wide: aligned columns; json and yaml: the API's documents.",
    )(f)


def env_option(required: bool = True) -> Callable[[F], F]:
    return click.option(
        "--env", "-e", required=required, envvar="FLOTILLA_ENV", help="Environment (FLOTILLA_ENV)."
    )


def show(data: Any, fmt: str, columns: list[Column], *, items: bool) -> None:
    from flotilla_cli.output import emit

    emit(data, fmt, columns, items=items)


def cols(*spec: tuple[str, str] | tuple[str, str, bool]) -> list[Column]:
    """Columns from (HEADER, dotted.field[, wide])."""
    from flotilla_cli.output import Column, field

    return [Column(s[0], field(s[1]), bool(s[2]) if len(s) > 2 else False) for s in spec]


def read_document(path: str) -> Any:
    """A YAML or JSON file (`-` for stdin); a file that does not parse is a usage error."""
    import yaml

    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
        return yaml.safe_load(text)
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", Exit.USAGE) from exc
    except yaml.YAMLError as exc:
        raise CliError(f"{path} is not valid YAML or JSON: {exc}", Exit.USAGE) from exc


def done(message: str) -> None:
    click.echo(message, err=True)


# ----------------------------------------------------------------------------------- root


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Example:\n\n\b\n  flotilla login http://127.0.0.1:8080\n"
    "  flotilla release create demo --env prod --image demo/web:2.0 --watch",
)
@click.option("--context", "context", help="Use this context instead of the current one.")
@click.option("--debug", is_flag=True, help="Print every request and response (token hidden).")
@click.option(
    "--request-timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds one request may take.",
)
@click.version_option(__version__, prog_name="flotilla")
@click.pass_context
def cli(ctx: click.Context, context: str | None, debug: bool, request_timeout: float) -> None:
    """Flotilla: release applications to every cluster of an environment.

    Exit codes: 0 ok, 1 failed outcome or refused request, 2 usage, 3 not found or denied,
    4 timed out, 5 unreachable (retry).
    """
    ctx.obj = Session(context, debug, request_timeout)


# ----------------------------------------------------------------------- login, contexts


@cli.command(
    epilog="Examples:\n\n\b\n  flotilla login http://127.0.0.1:8080 --user alice --role admin\n"
    "  flotilla login https://flotilla.example.com --name prod --token-file ~/.flotilla-token\n"
    "  FLOTILLA_TOKEN=... flotilla login https://flotilla.example.com --token-env FLOTILLA_TOKEN"
)
@click.argument("url")
@click.option("--name", help="Context name (default: the URL's host).")
@click.option("--token-file", type=click.Path(dir_okay=False), help="Read the token from a file.")
@click.option("--token-env", metavar="VAR", help="Read the token from this environment variable.")
@click.option("--keep-file", is_flag=True, help="With --token-file: keep reading that file.")
@click.option("--user", help="Development login: who you are (default: $USER).")
@click.option(
    "--role",
    type=click.Choice(["viewer", "developer", "admin"]),
    default="developer",
    show_default=True,
    help="Development login: your role.",
)
@click.option("--team", "teams", multiple=True, help="Development login: a team of yours.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="Servers' CA.")
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (testing only).")
@pass_session
def login(
    session: Session,
    url: str,
    name: str | None,
    token_file: str | None,
    token_env: str | None,
    keep_file: bool,
    user: str | None,
    role: str,
    teams: tuple[str, ...],
    ca_file: str | None,
    insecure: bool,
) -> None:
    """Sign in to a Flotilla and make it the current context.

    The token comes from --token-file or --token-env when given; otherwise from the server's
    sign-in: its identity provider's device flow (you confirm in a browser), or, on a local
    stack in development mode, its development login. The token is stored in the context
    (mode 600) and never printed.
    """
    from flotilla_cli.auth import sign_in

    context = sign_in(
        session.config,
        url,
        name=name,
        token_file=token_file,
        token_env=token_env,
        keep_file=keep_file,
        user=user or os.environ.get("USER") or "developer",
        role=role,
        teams=list(teams),
        ca_file=ca_file,
        insecure=insecure,
        debug=session.debug,
    )
    done(
        f"signed in to {context.url} as {context.subject or 'the token subject'} "
        f"(context {context.name!r})"
    )


@cli.command(epilog="Example:\n\n\b\n  flotilla logout --context prod")
@pass_session
def logout(session: Session) -> None:
    """Forget the current context's token (the context stays)."""
    config = session.config
    context = config.resolve(session.context_name)
    if context.name in config.contexts:
        context.token = None
        context.token_file = None
        config.save()
    done(f"signed out of {context.name!r}")


@cli.group(epilog="Example:\n\n\b\n  flotilla context list\n  flotilla context use prod")
def context() -> None:
    """Named contexts: which Flotilla, as whom (~/.config/flotilla/config.toml)."""


@context.command("list", epilog="Example:\n\n\b\n  flotilla context list -o json")
@output_option
@pass_session
def context_list(session: Session, output: str) -> None:
    """Every context; the current one is marked `*`. Tokens are never shown."""
    from flotilla_cli.auth import token_summary

    config = session.config
    rows = [
        {
            "current": "*" if name == config.current else "",
            "name": name,
            "url": c.url,
            "subject": c.subject,
            "token": token_summary(c),
        }
        for name, c in sorted(config.contexts.items())
    ]
    columns = cols(("CURRENT", "current"), ("NAME", "name"), ("URL", "url"))
    columns += cols(("SUBJECT", "subject"), ("TOKEN", "token"))
    show(rows, output, columns, items=True)


@context.command("use", epilog="Example:\n\n\b\n  flotilla context use prod")
@click.argument("name")
@pass_session
def context_use(session: Session, name: str) -> None:
    """Make NAME the current context."""
    config = session.config
    if name not in config.contexts:
        raise CliError(f"no context named {name!r}", Exit.USAGE)
    config.current = name
    config.save()
    done(f"current context: {name}")


@context.command("delete", epilog="Example:\n\n\b\n  flotilla context delete old")
@click.argument("name")
@pass_session
def context_delete(session: Session, name: str) -> None:
    """Remove a context and its token."""
    config = session.config
    if config.contexts.pop(name, None) is None:
        raise CliError(f"no context named {name!r}", Exit.USAGE)
    if config.current == name:
        config.current = None
    config.save()
    done(f"deleted context {name!r}")


@context.command("current", epilog="Example:\n\n\b\n  flotilla context current")
@pass_session
def context_current(session: Session) -> None:
    """Print the current context's name."""
    click.echo(session.context().name)


# ----------------------------------------------------------------------------------- apps

APP_COLUMNS = (
    ("NAME", "name"),
    ("TEAM", "team"),
    ("TYPE", "type"),
    ("VERSION", "version"),
    ("ARCHIVED", "archived"),
    ("REPLICAS", "spec.replicas", True),
    ("HOSTS", "spec.hosts", True),
    ("UPDATED", "updated_at", True),
)


@cli.group(epilog="Example:\n\n\b\n  flotilla apps list\n  flotilla apps create -f app.yaml")
def apps() -> None:
    """Applications and their deployment spec."""


@apps.command("list", epilog="Example:\n\n\b\n  flotilla apps list --team commerce -o wide")
@click.option("--team", help="Only this team's apps.")
@click.option("--archived", is_flag=True, help="Archived apps instead.")
@output_option
@pass_session
def apps_list(session: Session, team: str | None, archived: bool, output: str) -> None:
    """List applications."""
    items = pages(
        lambda cursor: session.ops().list_apps(team=team, archived=archived or None, cursor=cursor)
    )
    show(items, output, cols(*APP_COLUMNS), items=True)


@apps.command("get", epilog="Example:\n\n\b\n  flotilla apps get demo -o yaml")
@click.argument("name")
@output_option
@pass_session
def apps_get(session: Session, name: str, output: str) -> None:
    """Show one application."""
    show(session.ops().get_app(name=name), output, cols(*APP_COLUMNS), items=False)


@apps.command("create", epilog="Example:\n\n\b\n  flotilla apps create -f app.yaml")
@click.option("-f", "--file", "path", required=True, help="The app as YAML or JSON (`-`: stdin).")
@output_option
@pass_session
def apps_create(session: Session, path: str, output: str) -> None:
    """Create an application from a file: name, team, type and its spec (README, "Using the
    CLI", has one)."""
    body = read_document(path)
    if not isinstance(body, dict):
        raise CliError(f"{path}: expected a mapping with name, team, type, app_yaml", Exit.USAGE)
    show(session.ops().create_app(body=body), output, cols(*APP_COLUMNS), items=False)


@apps.command(
    "edit",
    epilog="Examples:\n\n\b\n  flotilla apps edit demo            # in $EDITOR\n"
    "  flotilla apps edit demo -f spec.yaml",
)
@click.argument("name")
@click.option("-f", "--file", "path", help="Apply this spec instead of opening an editor.")
@pass_session
def apps_edit(session: Session, name: str, path: str | None) -> None:
    """Change an application's spec (team and spec fields) in $EDITOR or from a file. The
    change applies only if nobody changed the app meanwhile (If-Match)."""
    import yaml

    ops = session.ops()
    app = ops.get_app(name=name)
    current = {"team": app["team"], **app["spec"]}
    if path is not None:
        edited = read_document(path)
    else:
        text = yaml.safe_dump(current, sort_keys=False)
        header = f"# {name} (version {app['version']}): save and quit to apply; empty to cancel\n"
        result = click.edit(header + text, extension=".yaml", require_save=False)
        if result is None or not result.strip():
            done("cancelled: nothing changed")
            return
        try:
            edited = yaml.safe_load(result)
        except yaml.YAMLError as exc:
            raise CliError(f"the edited spec is not valid YAML: {exc}", Exit.USAGE) from exc
    if not isinstance(edited, dict):
        raise CliError("the spec must be a mapping", Exit.USAGE)
    changes = {k: v for k, v in edited.items() if current.get(k) != v}
    if not changes:
        done("no changes")
        return
    updated = ops.update_app(name=name, body=changes, if_match=f'W/"{app["version"]}"')
    done(f"{name}: version {updated['version']} ({', '.join(sorted(changes))} changed)")


@apps.command("archive", epilog="Example:\n\n\b\n  flotilla apps archive old-app")
@click.argument("name")
@pass_session
def apps_archive(session: Session, name: str) -> None:
    """Archive an application: kept for history, no new releases."""
    session.ops().archive_app(name=name)
    done(f"{name}: archived")


def pages(fetch: Callable[[Any], Any], limit: int = 2000) -> list[Any]:
    """Every item of a paged list (up to `limit`)."""
    items: list[Any] = []
    cursor = None
    while True:
        page = fetch(cursor)
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor or len(items) >= limit:
            return items


# ------------------------------------------------------------------------------- releases

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


@cli.group(
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
@click.argument("app")
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


@release.command("list", epilog="Example:\n\n\b\n  flotilla release list demo --env prod")
@click.argument("app")
@env_option(required=False)
@click.option("--limit", type=click.IntRange(1, 200), default=20, show_default=True)
@output_option
@pass_session
def release_list(session: Session, app: str, env: str | None, limit: int, output: str) -> None:
    """An app's releases, newest first."""
    page = session.ops().list_releases(app=app, env=env, limit=limit)
    show(page["items"], output, cols(*RELEASE_COLUMNS), items=True)


@release.command(
    "get",
    epilog="Examples:\n\n\b\n  flotilla release get demo             # the latest\n"
    "  flotilla release get demo 3f2a91c0 -o json",
)
@click.argument("app")
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
@click.argument("app")
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
@click.argument("app")
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
    @click.argument("app")
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
            kwargs["body"] = {"comment": comment} if comment else None
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
@click.argument("app")
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
        good = [r for r in items if r["phase"] == "succeeded"]
        if len(good) < 2 and not (good and items[0]["id"] != good[0]["id"]):
            raise CliError(f"{app} has no earlier successful release in {env}", Exit.FAILED)
        target = good[1]["id"] if items[0]["id"] == good[0]["id"] else good[0]["id"]
    created = ops.rollback_to_release(app=app, release_id=str(target))
    done(f"release {created['id']}: rolling {app} in {env} back to {created['image']}")
    if watch:
        watch_release(session, app, str(created["id"]), timeout)


# ------------------------------------------------------------------- scale, restart, debug


@cli.command(epilog="Example:\n\n\b\n  flotilla scale demo --env prod --replicas 4")
@click.argument("app")
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


@cli.command(epilog="Example:\n\n\b\n  flotilla restart demo --env prod --watch")
@click.argument("app")
@env_option()
@click.option("--watch", "-w", is_flag=True, help="Follow it to the end.")
@pass_session
def restart(session: Session, app: str, env: str, watch: bool) -> None:
    """Restart an app's pods everywhere in an environment (a rolling release of what runs)."""
    created = session.ops().restart_app(app=app, env=env)
    done(f"release {created['id']}: restarting {app} in {env}")
    if watch:
        watch_release(session, app, str(created["id"]), None)


@cli.group(epilog="Example:\n\n\b\n  flotilla debug on demo --env test")
def debug() -> None:
    """Debug mode: probes and lifecycle hooks off (for a CrashLoopBackOff)."""


def _debug(session: Session, app: str, env: str, on: bool, watch: bool) -> None:
    ops = session.ops()
    items = ops.list_releases(app=app, env=env, limit=50)["items"]
    current = next((r for r in items if r["phase"] in ("succeeded", "partially-failed")), None)
    if current is None:
        raise CliError(f"{app} runs nothing in {env} yet: release it first", Exit.FAILED)
    body = {"image": current["image"], "env": env, "options": {"debug": on}}
    created = ops.create_release(app=app, body=body)
    done(f"release {created['id']}: debug {'on' if on else 'off'} for {app} in {env}")
    if watch:
        watch_release(session, app, str(created["id"]), None)


@debug.command("on", epilog="Example:\n\n\b\n  flotilla debug on demo --env test --watch")
@click.argument("app")
@env_option()
@click.option("--watch", "-w", is_flag=True)
@pass_session
def debug_on(session: Session, app: str, env: str, watch: bool) -> None:
    """Release what runs again with probes and hooks off."""
    _debug(session, app, env, True, watch)


@debug.command("off", epilog="Example:\n\n\b\n  flotilla debug off demo --env test")
@click.argument("app")
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


@cli.group(epilog="Example:\n\n\b\n  flotilla pods list demo --env prod")
def pods() -> None:
    """Pods isolated for a post-mortem."""


@pods.command("list", epilog="Example:\n\n\b\n  flotilla pods list demo --env prod")
@click.argument("app")
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
@click.argument("app")
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
@click.argument("app")
@click.argument("pod")
@env_option()
@click.option("--cluster", "-c", required=True)
@pass_session
def pods_delete(session: Session, app: str, pod: str, env: str, cluster: str) -> None:
    """Delete an isolated pod."""
    session.ops().delete_isolated_pod(app=app, env=env, cluster=cluster, pod=pod)
    done(f"{pod}: deleted from {cluster}")


# --------------------------------------------------------------- logs, metrics, alerts


@cli.command(
    epilog="Examples:\n\n\b\n  flotilla logs demo --env prod --since 15m --grep timeout\n"
    "  flotilla logs demo --env prod -f --cluster idc-a-1"
)
@click.argument("app")
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


@cli.command(
    epilog="Examples:\n\n\b\n  flotilla metrics demo --env prod\n"
    "  flotilla metrics demo --metric restarts --since 6h -o json"
)
@click.argument("app")
@env_option(required=False)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    help="cpu_usage_cores, memory_working_set_bytes, restarts, ready_replicas, ... (default: "
    "CPU, memory, restarts, ready replicas).",
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


@cli.group(
    invoke_without_command=True,
    epilog="Examples:\n\n\b\n  flotilla alerts --app demo\n  flotilla alerts ack 42",
)
@click.pass_context
def alerts(ctx: click.Context) -> None:
    """Alerts (restarts, pods not ready, ...): list them, acknowledge one."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(alerts_list)


@alerts.command("list", epilog="Example:\n\n\b\n  flotilla alerts list --app demo --state firing")
@click.option("--app")
@env_option(required=False)
@click.option("--cluster")
@click.option(
    "--state", type=click.Choice(["firing", "resolved", "all"]), default="firing", show_default=True
)
@output_option
@pass_session
def alerts_list(
    session: Session,
    app: str | None = None,
    env: str | None = None,
    cluster: str | None = None,
    state: str = "firing",
    output: str = "table",
) -> None:
    """Alerts, newest first."""
    page = session.ops().list_alerts(
        app=app, env=env, cluster=cluster, state=None if state == "all" else state
    )
    show(page["items"], output, cols(*ALERT_COLUMNS), items=True)


@alerts.command("ack", epilog="Example:\n\n\b\n  flotilla alerts ack 42")
@click.argument("alert_id")
@pass_session
def alerts_ack(session: Session, alert_id: str) -> None:
    """Acknowledge an alert (you are named as who did)."""
    session.ops().acknowledge_alert(alert_id=alert_id)
    done(f"alert {alert_id}: acknowledged")


# ------------------------------------------------------------------ clusters, nodes, envs

CLUSTER_COLUMNS = (
    ("NAME", "name"),
    ("IDC", "idc"),
    ("PROVIDER", "provider"),
    ("STATUS", "status"),
    ("NODES", "node_count"),
    ("VERSION", "kubernetes_version"),
    ("LATENCY-MS", "latency_ms"),
    ("ENVIRONMENTS", "environments", True),
    ("API-SERVER", "api_server", True),
    ("LABELS", "labels", True),
    ("REASON", "status_reason", True),
)


@cli.group(epilog="Example:\n\n\b\n  flotilla clusters list -o wide")
def clusters() -> None:
    """The registry of clusters (self-built and cloud, per IDC)."""


@clusters.command("list", epilog="Example:\n\n\b\n  flotilla clusters list --idc idc-a")
@click.option("--idc")
@click.option("--status")
@env_option(required=False)
@output_option
@pass_session
def clusters_list(
    session: Session, idc: str | None, status: str | None, env: str | None, output: str
) -> None:
    """Registered clusters."""
    items = pages(
        lambda cursor: session.ops().list_clusters(
            idc=idc, status=status, environment=env, cursor=cursor
        )
    )
    show(items, output, cols(*CLUSTER_COLUMNS), items=True)


@clusters.command("get", epilog="Example:\n\n\b\n  flotilla clusters get idc-a-1 -o yaml")
@click.argument("name")
@output_option
@pass_session
def clusters_get(session: Session, name: str, output: str) -> None:
    """One cluster."""
    show(session.ops().get_cluster(name=name), output, cols(*CLUSTER_COLUMNS), items=False)


@clusters.command(
    "register",
    epilog="Example:\n\n\b\n  flotilla clusters register idc-c-1 --idc idc-c --provider self-built "
    "--kubeconfig ~/.kube/idc-c-1",
)
@click.argument("name")
@click.option("--idc", required=True)
@click.option("--provider", required=True, help="self-built, aliyun, aws, ... (the API's list).")
@click.option("--kubeconfig", "kubeconfig", type=click.Path(exists=True, dir_okay=False))
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False), help="A bearer token.")
@click.option("--api-server", help="With --token-file: https://host:port.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False), help="With --token-file.")
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE")
@output_option
@pass_session
def clusters_register(
    session: Session,
    name: str,
    idc: str,
    provider: str,
    kubeconfig: str | None,
    token_file: str | None,
    api_server: str | None,
    ca_file: str | None,
    labels: tuple[str, ...],
    output: str,
) -> None:
    """Register a cluster with a kubeconfig or a token (stored encrypted, never shown)."""
    body: dict[str, Any] = {
        "name": name,
        "idc": idc,
        "provider": provider,
        "credentials": credentials(kubeconfig, token_file, ca_file),
        "labels": dict(label_pairs(labels)),
    }
    if api_server:
        body["api_server"] = api_server
    show(session.ops().register_cluster(body=body), output, cols(*CLUSTER_COLUMNS), items=False)


def credentials(kubeconfig: str | None, token_file: str | None, ca_file: str | None) -> Any:
    import base64
    from pathlib import Path

    if (kubeconfig is None) == (token_file is None):
        raise CliError("give exactly one of --kubeconfig and --token-file", Exit.USAGE)
    if kubeconfig is not None:
        return {"kind": "kubeconfig", "kubeconfig": Path(kubeconfig).read_text()}
    assert token_file is not None
    out: dict[str, Any] = {"kind": "token", "token": Path(token_file).read_text().strip()}
    if ca_file:
        out["ca_data"] = base64.b64encode(Path(ca_file).read_bytes()).decode()
    return out


def label_pairs(pairs: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CliError(f"{pair!r}: expected KEY=VALUE", Exit.USAGE)
        out.append((key, value))
    return out


@clusters.command(
    "rotate",
    epilog="Example:\n\n\b\n  flotilla clusters rotate idc-a-1 --kubeconfig ~/.kube/idc-a-1-new",
)
@click.argument("name")
@click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False))
@click.option("--token-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False))
@pass_session
def clusters_rotate(
    session: Session, name: str, kubeconfig: str | None, token_file: str | None, ca_file: str | None
) -> None:
    """Replace a cluster's credentials (checked against the cluster first)."""
    body = {"credentials": credentials(kubeconfig, token_file, ca_file)}
    session.ops().rotate_cluster_credentials(name=name, body=body)
    done(f"{name}: credentials rotated")


@clusters.command("deregister", epilog="Example:\n\n\b\n  flotilla clusters deregister idc-c-1")
@click.argument("name")
@click.option("--force", is_flag=True, help="Even if environments still use it.")
@pass_session
def clusters_deregister(session: Session, name: str, force: bool) -> None:
    """Remove a cluster from the registry (its workloads are not touched)."""
    session.ops().deregister_cluster(name=name, force=force or None)
    done(f"{name}: deregistered")


NODE_COLUMNS = (
    ("NAME", "name"),
    ("READY", "ready"),
    ("SCHEDULABLE", "unschedulable"),
    ("ROLES", "roles"),
    ("PODS", "pods"),
    ("VERSION", "kubelet_version"),
    ("LABELS", "labels", True),
    ("TAINTS", "taints", True),
)


@cli.group(epilog="Example:\n\n\b\n  flotilla nodes list idc-a-1")
def nodes() -> None:
    """A cluster's nodes: list, tag, cordon, drain."""


@nodes.command("list", epilog="Example:\n\n\b\n  flotilla nodes list idc-a-1 -o wide")
@click.argument("cluster")
@output_option
@pass_session
def nodes_list(session: Session, cluster: str, output: str) -> None:
    """Nodes of a cluster."""
    items = session.ops().list_nodes(name=cluster)
    rows = (
        items
        if output in ("json", "yaml")
        else [{**n, "unschedulable": not n.get("unschedulable")} for n in items]
    )
    show(rows, output, cols(*NODE_COLUMNS), items=True)


@nodes.command(
    "tag",
    epilog="Example:\n\n\b\n  flotilla nodes tag idc-a-1 node-3 tier=gold legacy-",
)
@click.argument("cluster")
@click.argument("node")
@click.argument("changes", nargs=-1, required=True)
@pass_session
def nodes_tag(session: Session, cluster: str, node: str, changes: tuple[str, ...]) -> None:
    """Set labels (KEY=VALUE) and remove them (KEY-), as `kubectl label` does."""
    body: dict[str, Any] = {"set": {}, "remove": []}
    for change in changes:
        if change.endswith("-") and "=" not in change:
            body["remove"].append(change[:-1])
        else:
            key, value = label_pairs((change,))[0]
            body["set"][key] = value
    session.ops().change_node_labels(name=cluster, node=node, body=body)
    done(f"{node}: labels changed")


@nodes.command("cordon", epilog="Example:\n\n\b\n  flotilla nodes cordon idc-a-1 node-3")
@click.argument("cluster")
@click.argument("node")
@pass_session
def nodes_cordon(session: Session, cluster: str, node: str) -> None:
    """Mark a node unschedulable."""
    session.ops().cordon_node(name=cluster, node=node)
    done(f"{node}: cordoned")


@nodes.command("uncordon", epilog="Example:\n\n\b\n  flotilla nodes uncordon idc-a-1 node-3")
@click.argument("cluster")
@click.argument("node")
@pass_session
def nodes_uncordon(session: Session, cluster: str, node: str) -> None:
    """Mark a node schedulable again."""
    session.ops().uncordon_node(name=cluster, node=node)
    done(f"{node}: uncordoned")


@nodes.command(
    "drain", epilog="Example:\n\n\b\n  flotilla nodes drain idc-a-1 node-3 --timeout 120"
)
@click.argument("cluster")
@click.argument("node")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds.")
@click.option("--grace-period", type=int, help="Override the pods' grace period (s).")
@output_option
@pass_session
def nodes_drain(
    session: Session, cluster: str, node: str, timeout: float, grace_period: int | None, output: str
) -> None:
    """Cordon a node and evict its pods (PodDisruptionBudgets respected); exit 1 when some
    pods are still there at the timeout."""
    body: dict[str, Any] = {"timeout_s": timeout}
    if grace_period is not None:
        body["grace_period_s"] = grace_period
    ops = session.new_ops(timeout_s=timeout + session.timeout_s)
    report = ops.drain_node(name=cluster, node=node, body=body)
    columns = cols(
        ("NAMESPACE", "namespace"), ("POD", "pod"), ("OUTCOME", "outcome"), ("MESSAGE", "message")
    )
    if output in ("json", "yaml"):
        show(report, output, [], items=False)
    else:
        show(report["pods"], output, columns, items=True)
    if not report["completed"]:
        raise CliError(f"{node}: not drained after {report['elapsed_s']:.0f} s", Exit.FAILED)
    done(f"{node}: drained in {report['elapsed_s']:.1f} s")


ENV_COLUMNS = (
    ("NAME", "name"),
    ("CLUSTERS", "clusters"),
    ("DESCRIPTION", "description"),
    ("REVISION", "revision", True),
    ("CREATED", "created_at", True),
)


@cli.group(epilog="Example:\n\n\b\n  flotilla envs list")
def envs() -> None:
    """Environments: clusters and namespaces, and their policy."""


def _env_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**e, "clusters": [f"{p['cluster']}/{p['namespace']}" for p in e.get("clusters", [])]}
        for e in items
    ]


@envs.command("list", epilog="Example:\n\n\b\n  flotilla envs list -o wide")
@output_option
@pass_session
def envs_list(session: Session, output: str) -> None:
    """Environments."""
    items = session.ops().list_environments()
    show(
        items if output in ("json", "yaml") else _env_rows(items),
        output,
        cols(*ENV_COLUMNS),
        items=True,
    )


@envs.command("get", epilog="Example:\n\n\b\n  flotilla envs get prod -o yaml")
@click.argument("name")
@output_option
@pass_session
def envs_get(session: Session, name: str, output: str) -> None:
    """One environment, with its policy (-o yaml)."""
    doc = session.ops().get_environment(name=name)
    show(
        doc if output in ("json", "yaml") else _env_rows([doc])[0],
        output,
        cols(*ENV_COLUMNS),
        items=False,
    )


@envs.command(
    "map", epilog="Example:\n\n\b\n  flotilla envs map prod idc-c-1 --namespace demo-prod"
)
@click.argument("env")
@click.argument("cluster")
@click.option("--namespace", "-n", required=True)
@pass_session
def envs_map(session: Session, env: str, cluster: str, namespace: str) -> None:
    """Put an environment in a cluster, in a namespace."""
    session.ops().place_environment(name=env, cluster=cluster, body={"namespace": namespace})
    done(f"{env}: {cluster}/{namespace}")


@envs.command("unmap", epilog="Example:\n\n\b\n  flotilla envs unmap prod idc-c-1")
@click.argument("env")
@click.argument("cluster")
@pass_session
def envs_unmap(session: Session, env: str, cluster: str) -> None:
    """Take an environment out of a cluster."""
    session.ops().unplace_environment(name=env, cluster=cluster)
    done(f"{env}: no longer in {cluster}")


# ---------------------------------------------------------------------------------- sync


@cli.group(epilog="Example:\n\n\b\n  flotilla sync status demo --env prod")
def sync() -> None:
    """The unified ingress, as k8s-sync keeps it."""


@sync.command("status", epilog="Example:\n\n\b\n  flotilla sync status demo --env prod -o json")
@click.argument("app")
@env_option()
@output_option
@pass_session
def sync_status(session: Session, app: str, env: str, output: str) -> None:
    """What each ingress instance serves for an app, against what it should; exit 1 when an
    instance that is up is not in sync."""
    from flotilla_cli.watch import ingress_per_cluster

    doc = session.ops().app_sync_status(app=app, env=env)
    if output in ("json", "yaml"):
        show(doc, output, [], items=False)
    else:
        click.echo(
            f"backend {doc['backend']}  hosts {','.join(doc['hosts']) or '-'}  "
            f"in sync: {'yes' if doc['in_sync'] else 'no'}"
        )
        served = ingress_per_cluster(doc)
        rows = [{"cluster": c, "served": s, "expected": e} for c, (s, e) in sorted(served.items())]
        show(
            rows,
            output,
            cols(("CLUSTER", "cluster"), ("SERVED", "served"), ("EXPECTED", "expected")),
            items=True,
        )
        instances = [
            {
                "ingress": i["ingress"],
                "up": i["up"],
                "in_sync": i["in_sync"],
                "pending": i["pending"],
            }
            for i in doc["instances"]
        ]
        click.echo()
        show(
            instances,
            output,
            cols(
                ("INGRESS", "ingress"), ("UP", "up"), ("IN-SYNC", "in_sync"), ("PENDING", "pending")
            ),
            items=True,
        )
        for error in doc.get("route_errors", []):
            click.echo(f"route error: {error}")
    if not doc["in_sync"]:
        raise SystemExit(int(Exit.FAILED))


# ------------------------------------------------------------------------- completion


@cli.command(
    epilog='Examples:\n\n\b\n  eval "$(flotilla completion bash)"     # in ~/.bashrc\n'
    '  flotilla completion zsh > "${fpath[1]}/_flotilla"\n'
    "  flotilla completion fish > ~/.config/fish/completions/flotilla.fish"
)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None
    click.echo(cls(cli, {}, "flotilla", "_FLOTILLA_COMPLETE").source())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a CliError is printed as one line (plus hints) and becomes the exit code."""
    try:
        cli.main(args=argv, prog_name="flotilla", standalone_mode=False)
    except CliError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        for hint in exc.hints:
            click.echo(f"  {hint}", err=True)
        return int(exc.code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
