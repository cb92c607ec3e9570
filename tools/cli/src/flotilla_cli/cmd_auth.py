"""`flotilla login`, `logout` and `context`: which Flotilla, as whom."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from flotilla_cli.common import (
    Session,
    cols,
    done,
    output_option,
    pass_session,
    show,
)
from flotilla_cli.errors import CliError, Exit

if TYPE_CHECKING:
    pass


@click.command(
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


@click.command(epilog="Example:\n\n\b\n  flotilla logout --context prod")
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


@click.group(epilog="Example:\n\n\b\n  flotilla context list\n  flotilla context use prod")
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
