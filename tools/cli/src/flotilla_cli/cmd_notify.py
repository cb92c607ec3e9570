"""`flotilla notify`: who is told about releases, alerts and clusters, where, and what was sent."""

from __future__ import annotations

import click

from flotilla_cli.common import Session, cols, done, output_option, pass_session, show
from flotilla_cli.errors import CliError, Exit

TRIGGERS = (
    "release.started",
    "release.waiting_approval",
    "release.succeeded",
    "release.partially_failed",
    "release.failed",
    "release.rolled_back",
    "alert.fired",
    "alert.resolved",
    "cluster.unreachable",
)
SUBSCRIPTION_COLUMNS = cols(
    ("ID", "id"),
    ("NAME", "name"),
    ("SCOPE", "scope.kind"),
    ("OF", "scope.name"),
    ("TO", "destination.kind"),
    ("TRIGGERS", "triggers", True),
    ("ENVS", "envs", True),
    ("BY", "created_by", True),
)
DELIVERY_COLUMNS = cols(
    ("ID", "id"),
    ("STATE", "state"),
    ("TRIGGER", "trigger"),
    ("ATTEMPTS", "attempts"),
    ("CREATED", "created_at"),
    ("LAST-ERROR", "last_error"),
    ("ABOUT", "about", True),
    ("SUBSCRIPTION", "subscription_id", True),
)


@click.group(
    epilog="Examples:\n\n\b\n"
    "  flotilla notify subscribe --app shop --trigger release.failed \\\n"
    "      --webhook https://hooks.example.com/flotilla --secret-env HOOK_SECRET\n"
    "  flotilla notify subscribe --team commerce --trigger alert.fired --slack-env SLACK_URL\n"
    "  flotilla notify deliveries --state dead\n"
)
def notify() -> None:
    """Notifications: subscriptions (webhook, Slack, e-mail) and their delivery log."""


@notify.command("list")
@click.option("--app", help="Only this app's subscriptions.")
@click.option("--team", help="Only this team's.")
@click.option("--env", help="Only this environment's.")
@output_option
@pass_session
def notify_list(
    session: Session, app: str | None, team: str | None, env: str | None, output: str
) -> None:
    """Subscriptions (all, or of one scope)."""
    scopes = [(k, v) for k, v in (("app", app), ("team", team), ("env", env)) if v]
    if len(scopes) > 1:
        raise CliError("give at most one of --app, --team, --env", Exit.USAGE)
    kind, name = scopes[0] if scopes else (None, None)
    page = session.ops().list_subscriptions(scope_kind=kind, scope=name)
    show(page["items"], output, SUBSCRIPTION_COLUMNS, items=True)


@notify.command(
    "subscribe",
    epilog="The secret and the Slack URL are read from the environment (--secret-env, "
    "--slack-env), never from the command line: shells keep history.",
)
@click.option("--name", help="What to call it (default: made from the scope and triggers).")
@click.option("--app", help="An app's events.")
@click.option("--team", help="Every app of a team.")
@click.option("--env", "env_scope", help="Everything in an environment (admins).")
@click.option(
    "--trigger",
    "triggers",
    multiple=True,
    required=True,
    type=click.Choice(TRIGGERS),
    help="Repeat for several.",
)
@click.option("--only-env", "envs", multiple=True, help="Only these environments (repeat).")
@click.option(
    "--min-severity", type=click.Choice(["info", "warning", "critical"]), help="For alerts."
)
@click.option("--webhook", help="POST signed JSON here.")
@click.option("--secret-env", help="The environment variable holding the webhook's secret.")
@click.option("--slack-env", help="The environment variable holding a Slack incoming-webhook URL.")
@click.option("--email", "emails", multiple=True, help="Send mail to this address (repeat).")
@output_option
@pass_session
def notify_subscribe(
    session: Session,
    name: str | None,
    app: str | None,
    team: str | None,
    env_scope: str | None,
    triggers: tuple[str, ...],
    envs: tuple[str, ...],
    min_severity: str | None,
    webhook: str | None,
    secret_env: str | None,
    slack_env: str | None,
    emails: tuple[str, ...],
    output: str,
) -> None:
    """Subscribe a destination to an app's, team's or environment's events."""
    import os

    scopes = [(k, v) for k, v in (("app", app), ("team", team), ("env", env_scope)) if v]
    if len(scopes) != 1:
        raise CliError("give exactly one of --app, --team, --env", Exit.USAGE)
    kinds = [bool(webhook), bool(slack_env), bool(emails)]
    if sum(kinds) != 1:
        raise CliError("give exactly one of --webhook, --slack-env, --email", Exit.USAGE)

    def from_env(variable: str | None, what: str) -> str:
        value = os.environ.get(variable or "")
        if not variable or not value:
            raise CliError(f"{what}: set it in an environment variable and name it", Exit.USAGE)
        return value

    destination: dict[str, object]
    if webhook:
        secret = from_env(secret_env, "--secret-env (the webhook's secret)")
        destination = {"kind": "webhook", "url": webhook, "secret": secret}
    elif slack_env:
        destination = {"kind": "slack", "url": from_env(slack_env, "--slack-env")}
    else:
        destination = {"kind": "email", "to": list(emails)}
    kind, scope = scopes[0]
    body = {
        "name": name or f"{kind} {scope}: {', '.join(triggers)}"[:100],
        "scope": {"kind": kind, "name": scope},
        "triggers": list(triggers),
        "envs": list(envs),
        "min_severity": min_severity,
        "destination": destination,
    }
    created = session.ops().create_subscription(body=body)
    if output in ("json", "yaml"):
        show(created, output, SUBSCRIPTION_COLUMNS, items=False)
        return
    done(f"subscription {created['id']}: {created['name']}")


@notify.command("unsubscribe")
@click.argument("subscription_id")
@pass_session
def notify_unsubscribe(session: Session, subscription_id: str) -> None:
    """Delete a subscription (and its delivery log)."""
    session.ops().delete_subscription(subscription_id=subscription_id)
    done(f"subscription {subscription_id}: deleted")


@notify.command("deliveries")
@click.option("--subscription", help="Only this subscription's.")
@click.option("--state", type=click.Choice(["pending", "delivered", "dead"]))
@click.option("--limit", type=click.IntRange(1, 500), default=50, show_default=True)
@output_option
@pass_session
def notify_deliveries(
    session: Session, subscription: str | None, state: str | None, limit: int, output: str
) -> None:
    """What was sent, waits to be sent, or gave up (newest first)."""
    page = session.ops().list_deliveries(subscription=subscription, state=state, limit=limit)
    show(page["items"], output, DELIVERY_COLUMNS, items=True)


@notify.command("retry")
@click.argument("delivery_id")
@pass_session
def notify_retry(session: Session, delivery_id: str) -> None:
    """Send a dead delivery again."""
    session.ops().retry_delivery(delivery_id=delivery_id)
    done(f"delivery {delivery_id}: queued again")
