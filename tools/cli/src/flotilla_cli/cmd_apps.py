"""`flotilla apps`: applications and their spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flotilla_cli.common import (
    Session,
    cols,
    complete_apps,
    done,
    output_option,
    pages,
    pass_session,
    read_document,
    show,
)
from flotilla_cli.errors import CliError, Exit

if TYPE_CHECKING:
    pass

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


@click.group(epilog="Example:\n\n\b\n  flotilla apps list\n  flotilla apps create -f app.yaml")
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
@click.argument("name", shell_complete=complete_apps)
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
@click.argument("name", shell_complete=complete_apps)
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
@click.argument("name", shell_complete=complete_apps)
@pass_session
def apps_archive(session: Session, name: str) -> None:
    """Archive an application: kept for history, no new releases."""
    session.ops().archive_app(name=name)
    done(f"{name}: archived")
