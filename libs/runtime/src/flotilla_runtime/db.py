"""Async SQLAlchemy: engine, sessions and the transaction rule.

The request owns the transaction: `get_session` commits when the endpoint returns and rolls back
when it raises. Services and repositories only `flush()`. Workers follow the same rule through
`session_scope()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from sqlalchemy import MetaData, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from flotilla_runtime.settings import DatabaseSettings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Declarative base of each service's tables (one metadata for the whole process).

    The runtime's own tables (outbox, processed events) are on it too, so a service's Alembic
    autogenerate sees them.
    """

    metadata = new_metadata()


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL as a plain DSN for asyncpg (listeners, locks, COPY)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        pool_pre_ping=True,
        echo=settings.database_echo,
    )


def create_sessionmaker(
    engine: AsyncEngine, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """`info`: the service's facts every session carries (`session.info`), e.g. where its
    optional CDEvents go (flotilla_runtime.outbox.add_cdevent)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work for a worker: commit on success, roll back on error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """FastAPI dependency: the request's session, committed when the endpoint succeeds.

    A session the endpoint never used (a read served from a cache) touched no connection:
    committing and closing it would only cost two trips through SQLAlchemy's greenlet bridge,
    so they are skipped.
    """
    sessionmaker: async_sessionmaker[AsyncSession] = request.state.sessionmaker
    session = sessionmaker()
    try:
        yield session
        if session.in_transaction():
            await session.commit()
    except BaseException:
        if session.in_transaction():
            await session.rollback()
        raise
    finally:
        if session.in_transaction() or session.sync_session.identity_map:
            await session.close()


# scope="function": the commit happens before the response is sent. FastAPI's default for a
# dependency with `yield` ends it after the response, so a client could be told 201 for a write
# whose commit then failed, or read its own write back too early and get a 404.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


ModelT = TypeVar("ModelT", bound=Base)


class Repository(Generic[ModelT]):
    """Base of a domain's repository: every SQL statement of the domain lives in its subclass."""

    model: type[ModelT]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, ident: Any) -> ModelT | None:
        return await self.session.get(self.model, ident)

    async def add(self, obj: ModelT) -> ModelT:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def delete(self, obj: ModelT) -> None:
        await self.session.delete(obj)
        await self.session.flush()
