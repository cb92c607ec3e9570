"""Subscriptions and deliveries in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from flotilla_runtime.db import Repository
from monitor_gateway.models import Alert, Delivery, Subscription


class SubscriptionRepository(Repository[Subscription]):
    model = Subscription

    async def matching(
        self, app: str | None, env: str | None, team: str | None
    ) -> list[Subscription]:
        """Subscriptions whose scope covers the app (by name or its team) or the env."""
        scopes = []
        if app is not None:
            scopes.append(and_(Subscription.scope_kind == "app", Subscription.scope == app))
        if team is not None:
            scopes.append(and_(Subscription.scope_kind == "team", Subscription.scope == team))
        if env is not None:
            scopes.append(and_(Subscription.scope_kind == "env", Subscription.scope == env))
        if not scopes:
            # a cluster's outage: every environment's subscriptions that ask for it
            scopes.append(Subscription.scope_kind == "env")
        rows = await self.session.execute(select(Subscription).where(or_(*scopes)))
        return list(rows.scalars())

    async def has_team_scopes(self) -> bool:
        found = await self.session.execute(
            select(Subscription.id).where(Subscription.scope_kind == "team").limit(1)
        )
        return found.first() is not None

    async def page(
        self, *, scope_kind: str | None, scope: str | None, limit: int
    ) -> Sequence[Subscription]:
        query = select(Subscription).order_by(Subscription.created_at, Subscription.id)
        if scope_kind is not None:
            query = query.where(Subscription.scope_kind == scope_kind)
        if scope is not None:
            query = query.where(Subscription.scope == scope)
        return (await self.session.execute(query.limit(limit))).scalars().all()

    async def by_ids(self, ids: set[uuid.UUID]) -> Sequence[Subscription]:
        if not ids:
            return []
        rows = await self.session.execute(select(Subscription).where(Subscription.id.in_(ids)))
        return rows.scalars().all()

    async def remove(self, subscription_id: uuid.UUID) -> None:
        await self.session.execute(delete(Subscription).where(Subscription.id == subscription_id))


class DeliveryRepository(Repository[Delivery]):
    model = Delivery

    async def add_once(
        self, subscription_id: uuid.UUID, trigger: str, about: str, message: dict[str, object]
    ) -> bool:
        """Queue a delivery unless one for (subscription, trigger, about) exists: True if new."""
        done = await self.session.execute(
            insert(Delivery)
            .values(
                subscription_id=subscription_id,
                trigger=trigger,
                about=about,
                message=message,
                state="pending",
                attempts=0,
            )
            .on_conflict_do_nothing(constraint="uq_delivery_once")
            .returning(Delivery.id)
        )
        return done.first() is not None

    async def claim_due(
        self,
        now: datetime,
        lease_s: float,
        limit: int,
        *,
        skip_subscriptions: Sequence[uuid.UUID] = (),
    ) -> list[Delivery]:
        """Pending deliveries whose time has come and that no sender holds, except those of
        `skip_subscriptions` (their destinations are busy); leased to this sender for
        `lease_s` (a sender that dies mid-send lets them go again when it runs out)."""
        query = (
            select(Delivery)
            .where(
                Delivery.state == "pending",
                Delivery.next_attempt_at <= now,
                or_(Delivery.leased_until.is_(None), Delivery.leased_until < now),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if skip_subscriptions:
            query = query.where(Delivery.subscription_id.not_in(list(skip_subscriptions)))
        rows = await self.session.execute(query)
        due = list(rows.scalars())
        for delivery in due:
            delivery.leased_until = now + timedelta(seconds=lease_s)
        await self.session.flush()
        return due

    async def release(self, delivery_id: int) -> None:
        """Give a claimed delivery back without an attempt."""
        await self.session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(leased_until=None)
        )

    async def delivered_all(self, delivery_ids: Sequence[int], now: datetime) -> None:
        if not delivery_ids:
            return
        await self.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(list(delivery_ids)))
            .values(
                state="delivered",
                delivered_at=now,
                attempts=Delivery.attempts + 1,
                leased_until=None,
                last_error=None,
            )
        )

    async def failed(self, delivery_id: int, error: str, *, retry_at: datetime | None) -> None:
        """One more attempt failed: again at `retry_at`, or dead (None: the budget is spent)."""
        await self.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(
                state="pending" if retry_at is not None else "dead",
                attempts=Delivery.attempts + 1,
                leased_until=None,
                last_error=error[:1000],
                **({"next_attempt_at": retry_at} if retry_at is not None else {}),
            )
        )

    async def page(
        self,
        *,
        subscription_id: uuid.UUID | None,
        state: str | None,
        before_id: int | None,
        limit: int,
    ) -> Sequence[Delivery]:
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        if subscription_id is not None:
            query = query.where(Delivery.subscription_id == subscription_id)
        if state is not None:
            query = query.where(Delivery.state == state)
        if before_id is not None:
            query = query.where(Delivery.id < before_id)
        return (await self.session.execute(query)).scalars().all()

    async def retry(self, delivery_id: int, now: datetime) -> bool:
        """A dead delivery back in the queue, its attempts counted afresh."""
        done = await self.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.state == "dead")
            .values(state="pending", attempts=0, next_attempt_at=now, last_error=None)
            .returning(Delivery.id)
        )
        return done.first() is not None


async def alert_env(session: AsyncSession, alert_id: uuid.UUID) -> str | None:
    """The environment of an alert (a resolved alert's event does not carry it)."""
    return (await session.execute(select(Alert.env).where(Alert.id == alert_id))).scalar()
