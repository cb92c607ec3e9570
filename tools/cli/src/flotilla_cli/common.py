"""Shared by the command modules: the session (config, context, client made when first
needed), the options every list and get has, and output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

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


def _names(list_names: Callable[[Operations], list[str]]) -> Callable[..., list[str]]:
    """A shell-completion callback offering names the current context's server lists (nothing
    when it cannot answer within two seconds: completion never hangs or prints an error)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        root = ctx.find_root()
        try:
            session = Session(root.params.get("context"), False, 2.0)
            names = list_names(session.ops())
        except Exception:  # noqa: BLE001 - completion offers what it can, silently
            return []
        return [n for n in names if n.startswith(incomplete)]

    return complete


complete_apps = _names(lambda ops: [a["name"] for a in ops.list_apps(limit=200)["items"]])
complete_clusters = _names(lambda ops: [c["name"] for c in ops.list_clusters(limit=200)["items"]])
complete_envs = _names(lambda ops: [e["name"] for e in ops.list_environments()])

app_argument = click.argument("app", shell_complete=complete_apps)
cluster_argument = click.argument("cluster", shell_complete=complete_clusters)


def env_option(required: bool = True) -> Callable[[F], F]:
    return click.option(
        "--env",
        "-e",
        required=required,
        envvar="FLOTILLA_ENV",
        help="Environment (FLOTILLA_ENV).",
        shell_complete=complete_envs,
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
