"""/v1/notifications: who is told what, where, and what was sent (monitor_gateway.notify)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request, Response

from flotilla_contracts.enums import Role
from flotilla_runtime.audit import audited
from flotilla_runtime.auth import Developer, Principal, Viewer
from flotilla_runtime.crypto import CredentialCipher
from flotilla_runtime.db import SessionDep
from flotilla_runtime.egress import Egress, EgressRefused, EgressUnresolved
from flotilla_runtime.errors import (
    PROBLEM_RESPONSES,
    Conflict,
    Forbidden,
    NotFound,
    Unavailable,
    Unprocessable,
    answered_with,
)
from monitor_gateway.deps import CipherDep, EgressDep, TeamsDep
from monitor_gateway.models import Delivery, Subscription
from monitor_gateway.notify.repository import DeliveryRepository, SubscriptionRepository
from monitor_gateway.notify.schemas import (
    DeliveryOut,
    DeliveryPage,
    Scope,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
)
from monitor_gateway.notify.workers import secret_context
from monitor_gateway.teams import AppTeams

router = APIRouter(tags=["notifications"], responses=PROBLEM_RESPONSES)
SubscriptionId = Annotated[uuid.UUID, Path(description="the subscription's id (a UUID)")]


class DestinationUnreachable(Unavailable):
    type_ = "destination-unresolved"
    title = "The destination's name does not resolve now"


def _out(row: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=row.id,
        name=row.name,
        scope=Scope(kind=row.scope_kind, name=row.scope),  # type: ignore[arg-type]
        triggers=row.triggers,  # type: ignore[arg-type]
        envs=row.envs,
        min_severity=row.min_severity,  # type: ignore[arg-type]
        destination=row.destination,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def _may_manage(who: Principal, scope_kind: str, scope: str, teams: AppTeams) -> None:
    """An app's subscriptions: its team's developers; a team's: that team's; an env's:
    admins (they cover every team's apps). Admins may do all."""
    if who.has_role(Role.ADMIN):
        return
    if scope_kind == "app":
        await teams.check(who, scope)
    elif scope_kind == "team":
        if not who.may_act_for_team(scope):
            raise Forbidden(f"{who.subject} is not a developer of team {scope}")
    else:
        raise Forbidden("only admins subscribe to a whole environment")


async def _checked_url(url: str, egress: Egress) -> None:
    try:
        await egress.check_url(url)
    except EgressRefused as exc:
        raise Unprocessable(
            f"destination refused: {exc}",
            errors=[{"loc": "body.destination.url", "msg": str(exc), "type": "egress_refused"}],
        ) from None
    except EgressUnresolved as exc:
        raise DestinationUnreachable(str(exc)) from None


@router.post(
    "/notifications/subscriptions",
    status_code=201,
    operation_id="createSubscription",
    summary="Subscribe a destination (webhook, Slack, e-mail) to an app's, team's or env's events",
    description=(
        "Triggers: release started, waiting for approval, succeeded, partially failed, failed, "
        "rolled back; alert fired, resolved; cluster unreachable (env subscriptions). Each is "
        "sent once per subscription and subject (release, alert, outage), retried with backoff "
        "and kept as `dead` after the retry budget (GET …/deliveries). A webhook or Slack URL "
        "that resolves to loopback, link-local or cloud metadata addresses is refused (422) "
        "unless MONITOR_GATEWAY_ALLOWED_WEBHOOK_NETWORKS allows it. Secrets are stored "
        "encrypted and never returned."
    ),
    responses=answered_with(201, "Location"),
)
async def create_subscription(
    body: SubscriptionIn,
    request: Request,
    response: Response,
    session: SessionDep,
    who: Developer,
    teams: TeamsDep,
    egress: EgressDep,
    cipher: CipherDep,
) -> SubscriptionOut:
    await _may_manage(who, body.scope.kind, body.scope.name, teams)
    destination = body.destination
    shown: dict[str, Any] = {"kind": destination.kind}
    secret: bytes | None = None
    if destination.kind == "email":
        shown["to"] = destination.to
    else:
        await _checked_url(destination.url, egress)
        if destination.kind == "webhook":
            shown["url"] = destination.url
            secret = destination.secret.get_secret_value().encode()
        else:  # slack: the URL holds the token
            shown["host"] = urlsplit(destination.url).hostname
            secret = destination.url.encode()
    row = Subscription(
        id=uuid.uuid4(),
        name=body.name,
        scope_kind=body.scope.kind,
        scope=body.scope.name,
        triggers=sorted({t.value for t in body.triggers}),
        envs=sorted(set(body.envs)),
        min_severity=body.min_severity.value if body.min_severity else None,
        destination_kind=destination.kind,
        destination=shown,
        created_by=who.subject,
        created_at=datetime.now(UTC),
    )
    if secret is not None:
        sealed = _seal(cipher, row.id, secret)
        row.secret_key_id, row.secret = sealed
    detail = {"scope": f"{row.scope_kind}:{row.scope}", "triggers": row.triggers, "to": shown}
    async with audited(request, session, who, "notification.subscribe", str(row.id), detail):
        session.add(row)
        await session.flush()
    response.headers["Location"] = f"/v1/notifications/subscriptions/{row.id}"
    return _out(row)


def _seal(cipher: CredentialCipher, subscription_id: uuid.UUID, secret: bytes) -> tuple[str, bytes]:
    sealed = cipher.seal(secret, context=secret_context(subscription_id))
    return sealed.key_id, sealed.blob


@router.get(
    "/notifications/subscriptions",
    operation_id="listSubscriptions",
    summary="Subscriptions, optionally of one scope",
)
async def list_subscriptions(
    session: SessionDep,
    _: Viewer,
    scope_kind: Annotated[
        Literal["app", "env", "team"] | None, Query(description="only this kind of scope")
    ] = None,
    scope: Annotated[
        str | None, Query(max_length=63, description="only this app, team or environment")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 200,
) -> SubscriptionPage:
    rows = await SubscriptionRepository(session).page(
        scope_kind=scope_kind, scope=scope, limit=limit
    )
    return SubscriptionPage(items=[_out(r) for r in rows])


@router.get(
    "/notifications/subscriptions/{subscription_id}",
    operation_id="getSubscription",
    summary="One subscription",
)
async def get_subscription(
    subscription_id: SubscriptionId, session: SessionDep, _: Viewer
) -> SubscriptionOut:
    row = await session.get(Subscription, subscription_id)
    if row is None:
        raise NotFound(f"no subscription {subscription_id}")
    return _out(row)


@router.delete(
    "/notifications/subscriptions/{subscription_id}",
    status_code=204,
    operation_id="deleteSubscription",
    summary="Unsubscribe (its deliveries, sent or not, go with it)",
)
async def delete_subscription(
    subscription_id: SubscriptionId,
    request: Request,
    session: SessionDep,
    who: Developer,
    teams: TeamsDep,
) -> Response:
    row = await session.get(Subscription, subscription_id)
    if row is None:
        raise NotFound(f"no subscription {subscription_id}")
    await _may_manage(who, row.scope_kind, row.scope, teams)
    async with audited(request, session, who, "notification.unsubscribe", str(subscription_id)):
        await SubscriptionRepository(session).remove(subscription_id)
    return Response(status_code=204)


def _delivery(row: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        subscription_id=row.subscription_id,
        trigger=row.trigger,
        about=row.about,
        state=row.state,  # type: ignore[arg-type]
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        message=row.message,
    )


@router.get(
    "/notifications/deliveries",
    operation_id="listDeliveries",
    summary="What was sent, is waiting to be sent, or gave up (newest first)",
)
async def list_deliveries(
    session: SessionDep,
    _: Viewer,
    subscription: Annotated[uuid.UUID | None, Query(description="only this subscription's")] = None,
    state: Annotated[
        Literal["pending", "delivered", "dead"] | None, Query(description="only in this state")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many")] = 100,
    cursor: Annotated[int | None, Query(ge=1, description="a next_cursor: older ones")] = None,
) -> DeliveryPage:
    rows = await DeliveryRepository(session).page(
        subscription_id=subscription, state=state, before_id=cursor, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return DeliveryPage(
        items=[_delivery(r) for r in rows], next_cursor=str(rows[-1].id) if more else None
    )


@router.post(
    "/notifications/deliveries/{delivery_id}/retry",
    operation_id="retryDelivery",
    summary="Send a dead delivery again (its retry budget starts afresh)",
)
async def retry_delivery(
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="the delivery's id")],
    request: Request,
    session: SessionDep,
    who: Developer,
    teams: TeamsDep,
) -> DeliveryOut:
    row = await session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound(f"no delivery {delivery_id}")
    subscription = await session.get(Subscription, row.subscription_id)
    assert subscription is not None
    await _may_manage(who, subscription.scope_kind, subscription.scope, teams)
    async with audited(request, session, who, "notification.retry", str(delivery_id)):
        if not await DeliveryRepository(session).retry(delivery_id, datetime.now(UTC)):
            raise Conflict(f"delivery {delivery_id} is {row.state}: only a dead one is retried")
    await session.refresh(row)
    return _delivery(row)
