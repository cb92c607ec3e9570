"""One asyncpg pool for the log store (COPY and the log queries go to asyncpg directly)."""

from __future__ import annotations

import asyncio

import asyncpg

from flotilla_runtime.db import asyncpg_dsn


class LogsPool:
    """Worker owning the pool: created on first use, closed when the service stops."""

    name = "logs-pool"

    def __init__(self, database_url: str, *, size: int = 8) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn, min_size=1, max_size=self._size
                    )
        return self._pool

    async def run(self) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                await pool.close()
