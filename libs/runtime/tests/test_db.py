"""The request owns the transaction: committed when the endpoint succeeds, rolled back if not."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from flotilla_runtime.db import Base, Repository, SessionDep, create_sessionmaker
from flotilla_runtime.errors import Conflict, install_problem_handlers

from .conftest import MakeDatabase


class Widget(Base):
    __tablename__ = "test_widgets"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    colour: Mapped[str] = mapped_column(String(20))


class WidgetRepository(Repository[Widget]):
    model = Widget

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Widget)) or 0)


def build(engine: AsyncEngine) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    sessionmaker = create_sessionmaker(engine)

    @app.middleware("http")
    async def state(request: Request, call_next):  # type: ignore[no-untyped-def]
        request.state.sessionmaker = sessionmaker
        return await call_next(request)

    @app.post("/widgets/{name}")
    async def create(name: str, session: SessionDep) -> dict[str, str]:
        await WidgetRepository(session).add(Widget(name=name, colour="red"))
        return {"name": name}

    @app.post("/widgets/{name}/then-fail")
    async def create_then_fail(name: str, session: SessionDep) -> None:
        await WidgetRepository(session).add(Widget(name=name, colour="red"))
        raise Conflict("changed my mind")

    return app


@pytest.fixture
async def engine(make_database: MakeDatabase) -> AsyncEngine:
    engine = await make_database("runtime_db_tx")
    async with engine.begin() as conn:
        await conn.run_sync(Widget.__table__.create)  # type: ignore[attr-defined]
    return engine


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def count(engine: AsyncEngine) -> int:
    async with create_sessionmaker(engine)() as session:
        return await WidgetRepository(session).count()


async def test_success_commits(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    assert (await client.post("/widgets/a")).status_code == 200
    assert await count(engine) == 1


async def test_domain_error_rolls_back(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    r = await client.post("/widgets/b/then-fail")
    assert r.status_code == 409
    assert await count(engine) == 0


async def test_repository_get_add_delete(db_session: AsyncSession) -> None:
    await db_session.run_sync(lambda s: Widget.__table__.create(s.connection()))  # type: ignore[attr-defined]
    repo = WidgetRepository(db_session)
    await repo.add(Widget(name="w", colour="blue"))
    found = await repo.get("w")
    assert found is not None
    assert found.colour == "blue"
    await repo.delete(found)
    assert await repo.get("w") is None
