"""Notifications from events to people, in two steps with the database between them.

1. `NotifyHandler`, run by the runtime's EventConsumer on the release, alert and cluster
   topics: each event that is a trigger becomes one delivery row per matching subscription,
   in the transaction that marks the event consumed — nothing is lost between Kafka and the
   table, and a redelivered event adds nothing (the consumer deduplicates by event id, and
   the table by subscription, trigger and subject: `uq_delivery_once`). A team-scoped
   subscription needs the app's team from release-api; while release-api is away the event
   waits (an outage, never a dead letter).
2. `Deliverer`: the rows that are due, leased so that one sender (of several replicas) sends
   each, sent with at most `per_destination` at once per subscription and `concurrency` in
   all — a destination that answers slowly holds its own slots, never another's. A failure is
   retried with exponential backoff and jitter until `max_attempts`, then the row is `dead`
   with its last error, visible in GET /v1/notifications/deliveries (and sent again on
   request).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flotilla_contracts import CloudEvent
from flotilla_contracts.connections import ClusterConnection
from flotilla_runtime.crypto import CredentialCipher, Sealed
from flotilla_runtime.db import session_scope
from flotilla_runtime.egress import EgressRefused, EgressUnresolved
from flotilla_runtime.errors import NotFound
from flotilla_runtime.transient import Backoff, outage
from monitor_gateway.models import Delivery, Subscription
from monitor_gateway.notify.repository import (
    DeliveryRepository,
    SubscriptionRepository,
    alert_env,
)
from monitor_gateway.notify.senders import Senders, SendFailed
from monitor_gateway.notify.triggers import SEVERITY_RANK, IdcOf, Occurrence, Trigger, occurrence_of
from monitor_gateway.teams import AppTeams

log = structlog.get_logger()


class ClusterIdcs:
    """The cluster list's apply step, keeping each cluster's IDC for the messages."""

    def __init__(self, then: Callable[[list[ClusterConnection]], Awaitable[None]]) -> None:
        self._then = then
        self._idcs: dict[str, str] = {}

    async def __call__(self, connections: list[ClusterConnection]) -> None:
        self._idcs = {c.cluster: c.idc for c in connections}
        await self._then(connections)

    def idc_of(self, cluster: str) -> str | None:
        return self._idcs.get(cluster)


def secret_context(subscription_id: uuid.UUID) -> str:
    return f"notification-subscription:{subscription_id}"


def message_of(
    occurrence: Occurrence,
    subscription: Subscription,
    *,
    env: str | None,
    team: str | None,
    console_url: str | None,
) -> dict[str, Any]:
    """What every destination is sent: the app, env, clusters with their IDCs and the state
    at the time, and the console's page for it."""
    link = f"{console_url.rstrip('/')}/{occurrence.link}" if console_url else None
    return {
        "trigger": occurrence.trigger.value,
        "about": occurrence.about,
        "summary": occurrence.summary,
        "app": occurrence.app,
        "env": env,
        "team": team,
        "clusters": occurrence.clusters,
        "severity": occurrence.severity.value if occurrence.severity else None,
        "state": occurrence.state,
        "link": link,
        "subscription": {"id": str(subscription.id), "name": subscription.name},
        "event": {"id": occurrence.event_id, "type": occurrence.event_type, "time": occurrence.at},
    }


class NotifyHandler:
    def __init__(self, teams: AppTeams, idc_of: IdcOf, *, console_url: str | None) -> None:
        self._teams = teams
        self._idc_of = idc_of
        self._console_url = console_url

    async def __call__(self, session: AsyncSession, event: CloudEvent) -> None:
        occurrence = occurrence_of(event, self._idc_of)
        if occurrence is None:
            return
        env = occurrence.env
        if env is None and occurrence.trigger == Trigger.ALERT_RESOLVED:
            env = await alert_env(session, uuid.UUID(occurrence.about))
        subscriptions = SubscriptionRepository(session)
        team = None
        if occurrence.app is not None and await subscriptions.has_team_scopes():
            try:
                team = await self._teams.team_of(occurrence.app)
            except NotFound:  # archived and gone: no team to tell
                team = None
        deliveries = DeliveryRepository(session)
        for subscription in await subscriptions.matching(occurrence.app, env, team):
            if not wants(subscription, occurrence, env):
                continue
            message = message_of(
                occurrence, subscription, env=env, team=team, console_url=self._console_url
            )
            await deliveries.add_once(
                subscription.id, occurrence.trigger.value, occurrence.about, message
            )


def wants(subscription: Subscription, occurrence: Occurrence, env: str | None) -> bool:
    """The subscription's triggers and filters (env, least severity) let the occurrence in."""
    if occurrence.trigger.value not in subscription.triggers:
        return False
    if subscription.envs and env not in subscription.envs:
        return False
    if subscription.min_severity and occurrence.severity is not None:
        least = SEVERITY_RANK.get(subscription.min_severity, 0)  # type: ignore[call-overload]
        if SEVERITY_RANK[occurrence.severity] < least:
            return False
    return True


class Deliverer:
    name = "notify-deliver"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        senders: Senders,
        cipher: CredentialCipher,
        *,
        max_attempts: int,
        backoff_s: float,
        backoff_max_s: float,
        per_destination: int,
        concurrency: int,
        timeout_s: float,
        tick_s: float = 0.2,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._senders = senders
        self._cipher = cipher
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._backoff_max_s = backoff_max_s
        self._per_destination = per_destination
        self._concurrency = concurrency
        # a lease outlives the slowest send it covers (one request, plus the SMTP dialogue)
        self._lease_s = timeout_s * 3 + 5
        self._tick_s = tick_s
        self._now = now
        self._busy: Counter[uuid.UUID] = Counter()  # subscription → sends in flight
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        # outcomes not written yet: (delivery, attempts it had, error or None)
        self._results: list[tuple[int, int, str | None]] = []

    async def run(self) -> None:
        backoff = Backoff(cap_s=5.0)
        try:
            while True:
                try:
                    await self._record()
                    await self._claim_and_start()
                    backoff.reset()
                except Exception as exc:
                    if outage(exc) is None:
                        raise
                    log.warning("notify_deliver_waiting", error=repr(exc))
                    await backoff.wait()
                    continue
                try:
                    await asyncio.wait_for(self._wake.wait(), self._tick_s)
                except TimeoutError:
                    pass
                self._wake.clear()
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):  # what was sent, written down if possible
                await self._record()
            await self._senders.close()

    async def _claim_and_start(self) -> None:
        free = self._concurrency - len(self._tasks)
        if free <= 0:
            return
        full = [s for s, n in self._busy.items() if n >= self._per_destination]
        async with session_scope(self._sessionmaker) as session:
            due = await DeliveryRepository(session).claim_due(
                self._now(), self._lease_s, free, skip_subscriptions=full
            )
            subscriptions = {
                s.id: s
                for s in await SubscriptionRepository(session).by_ids(
                    {d.subscription_id for d in due}
                )
            }
        for delivery in due:
            subscription = subscriptions.get(delivery.subscription_id)
            if subscription is None:  # deleted meanwhile: its deliveries went with it
                continue
            if self._busy[subscription.id] >= self._per_destination:
                await self._release(delivery)  # beyond its slots in this batch: next round
                continue
            self._busy[subscription.id] += 1
            task = asyncio.create_task(self._send(delivery, subscription))
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()

    async def _release(self, delivery: Delivery) -> None:
        async with session_scope(self._sessionmaker) as session:
            await DeliveryRepository(session).release(delivery.id)

    async def _send(self, delivery: Delivery, subscription: Subscription) -> None:
        """One attempt; its outcome is written with the others of this round (`_record`)."""
        try:
            error = await self._attempt(delivery, subscription)
            self._results.append((delivery.id, delivery.attempts, error))
            if error is not None:
                log.info(
                    "notify_delivery_failed",
                    delivery=delivery.id,
                    subscription=str(subscription.id),
                    attempts=delivery.attempts + 1,
                    error=error,
                )
        finally:
            self._busy[subscription.id] -= 1
            if self._busy[subscription.id] <= 0:
                del self._busy[subscription.id]

    async def _record(self) -> None:
        """The outcomes of the sends that finished, in one transaction: delivered, again
        later (backoff with jitter), or dead after `max_attempts`. Written before anything
        new is claimed; if the database is away they wait here (a row whose lease runs out
        meanwhile may be sent again: at least once, `Flotilla-Delivery` tells the receiver)."""
        if not self._results:
            return
        done, self._results = self._results, []
        try:
            async with session_scope(self._sessionmaker) as session:
                repository = DeliveryRepository(session)
                now = self._now()
                await repository.delivered_all([d for d, _, e in done if e is None], now)
                for delivery_id, attempts, error in done:
                    if error is None:
                        continue
                    retry_at = None
                    if attempts + 1 < self._max_attempts:
                        wait = min(self._backoff_max_s, self._backoff_s * 2**attempts)
                        retry_at = now + timedelta(seconds=wait * random.uniform(0.8, 1.2))
                    await repository.failed(delivery_id, error, retry_at=retry_at)
        except BaseException:
            self._results = done + self._results
            raise

    async def _attempt(self, delivery: Delivery, subscription: Subscription) -> str | None:
        """None when delivered, else why not."""
        message = {**delivery.message, "delivery": delivery.id}
        destination = subscription.destination
        try:
            if subscription.destination_kind == "email":
                await self._senders.email(list(destination["to"]), message)
                return None
            secret = self._secret(subscription)
            if subscription.destination_kind == "slack":
                await self._senders.slack(secret, message)
            else:
                await self._senders.webhook(destination["url"], secret, delivery.id, message)
            return None
        except (SendFailed, EgressRefused, EgressUnresolved) as exc:
            return str(exc)

    def _secret(self, subscription: Subscription) -> str:
        assert subscription.secret is not None
        assert subscription.secret_key_id is not None
        sealed = Sealed(subscription.secret_key_id, subscription.secret)
        return self._cipher.open(sealed, context=secret_context(subscription.id)).decode()
