"""The `flotilla` command: click groups over the typed client (flotilla_cli.operations).

Only click is imported at start; httpx, Rich and YAML load when a command needs them, so
`flotilla --help` answers in a few tens of milliseconds (bench/cli_startup.py).
"""

from __future__ import annotations

import os
import signal
import sys

import click

from flotilla_cli import (
    __version__,
    cmd_apps,
    cmd_auth,
    cmd_fleet,
    cmd_notify,
    cmd_observe,
    cmd_releases,
    cmd_workloads,
)
from flotilla_cli.common import Session
from flotilla_cli.errors import CliError


class Root(click.Group):
    """The root group: a reader that goes away (`flotilla logs -f | head`) stops the command
    quietly with 141 (128 + SIGPIPE, as a shell reports it), not click's generic exit 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # nothing may be flushed to the closed pipe at exit either
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(141) from None


@click.group(
    cls=Root,
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


for command in (
    cmd_auth.login,
    cmd_auth.logout,
    cmd_auth.context,
    cmd_apps.apps,
    cmd_releases.release,
    cmd_workloads.scale,
    cmd_workloads.restart,
    cmd_workloads.debug,
    cmd_workloads.pods,
    cmd_observe.logs,
    cmd_observe.metrics,
    cmd_observe.alerts,
    cmd_notify.notify,
    cmd_fleet.clusters,
    cmd_fleet.nodes,
    cmd_fleet.envs,
    cmd_fleet.sync,
):
    cli.add_command(command)


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
    # Ctrl-C is KeyboardInterrupt (130) even when started with SIGINT ignored (a background
    # job of a non-interactive shell, where CI runs us): a follow must stop when told
    signal.signal(signal.SIGINT, signal.default_int_handler)
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
