"""A read cache kept exact by PostgreSQL LISTEN/NOTIFY, for hot GET endpoints.

Entries are response bodies grouped by a tag (release-api: the app name). The service's tables
carry triggers that `NOTIFY <channel>, '<tag>'` on every insert and update, which PostgreSQL
delivers to every replica's listener only if and when the transaction commits; each drops that
tag's entries. On the replica that writes, `follow_commits` also drops the tags of every row a
session wrote as soon as it commits, so a client reading its own write does not wait for the
notification — done by SQLAlchemy's session events, so no code that writes has to remember it.

- A response computed while a change to its tag was in flight is not stored: each tag has a
  version, taken before the read and checked at `put`.
- While the listener is not connected (start, database restart) the cache is off: every read
  goes to the database, and the cache starts empty when the listener is back.
- Staleness is bounded by NOTIFY delivery (milliseconds, measured by the test of this module);
  an entry never outlives `max_age_s` either, as a last resort.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, UOWTransaction

from flotilla_runtime.db import asyncpg_dsn
from flotilla_runtime.transient import outage

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Cached:
    body: bytes
    headers: dict[str, str]


class ReadCache:
    """Worker: listens on `channel`; `get`/`put` response bodies by key, per tag."""

    def __init__(
        self,
        database_url: str,
        channel: str,
        *,
        max_entries: int = 10_000,
        max_age_s: float = 60.0,
        check_interval_s: float = 5.0,
    ) -> None:
        self.name = f"read-cache:{channel}"
        self.channel = channel
        self._dsn = asyncpg_dsn(database_url)
        self._max_entries = max_entries
        self._max_age_s = max_age_s
        self._check_interval_s = check_interval_s
        self._entries: OrderedDict[str, tuple[str, Cached, float]] = OrderedDict()
        self._session_events: list[tuple[str, Callable[..., None]]] = []
        self._versions: dict[str, int] = {}
        self._keys: dict[str, set[str]] = {}  # tag → its keys (a drop touches only those)
        self.listening = False

    # --- the cache --------------------------------------------------------------------------

    def version(self, tag: str) -> int:
        return self._versions.get(tag, 0)

    def get(self, key: str) -> Cached | None:
        entry = self._entries.get(key) if self.listening else None
        if entry is None or time.monotonic() - entry[2] > self._max_age_s:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, tag: str, key: str, value: Cached, version: int) -> None:
        """Store unless the tag changed since `version` was taken (or we are not listening)."""
        if not self.listening or self._versions.get(tag, 0) != version:
            return
        self._entries[key] = (tag, value, time.monotonic())
        self._entries.move_to_end(key)
        self._keys.setdefault(tag, set()).add(key)
        while len(self._entries) > self._max_entries:
            old_key, (old_tag, _, _) = self._entries.popitem(last=False)
            self._keys.get(old_tag, set()).discard(old_key)

    def drop(self, tag: str) -> None:
        self._versions[tag] = self._versions.get(tag, 0) + 1
        for key in self._keys.pop(tag, set()):
            self._entries.pop(key, None)

    def clear(self) -> None:
        for tag in list(self._versions):
            self._versions[tag] += 1
        self._entries.clear()
        self._keys.clear()

    # --- this replica's own writes ----------------------------------------------------------

    def follow_commits(
        self, engine: AsyncEngine, tags_of: Callable[[object], Iterable[str]]
    ) -> None:
        """Drop the tags (`tags_of(row)`) of every ORM row a session on `engine` adds, changes
        or deletes, once that session commits (nothing on a rollback). Until `run` ends."""
        bind = engine.sync_engine
        written = "flotilla_read_cache_tags"

        def collect(session: Session, _flush: UOWTransaction) -> None:
            if session.get_bind() is not bind:
                return
            tags = session.info.setdefault(written, set())
            for row in (*session.new, *session.dirty, *session.deleted):
                tags.update(tags_of(row))

        def drop(session: Session) -> None:
            for tag in session.info.pop(written, ()):
                self.drop(tag)

        def forget(session: Session, _previous: object) -> None:
            session.info.pop(written, None)

        self._session_events = [
            ("after_flush", collect),
            ("after_commit", drop),
            ("after_soft_rollback", forget),
        ]
        for name, listener in self._session_events:
            event.listen(Session, name, listener)

    def _stop_following(self) -> None:
        for name, listener in self._session_events:
            event.remove(Session, name, listener)
        self._session_events.clear()

    # --- the listener -----------------------------------------------------------------------

    async def run(self) -> None:
        try:
            await self._listen()
        finally:
            self._stop_following()

    async def _listen(self) -> None:
        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=10)
                await conn.add_listener(self.channel, self._on_notify)
                self.clear()
                self.listening = True
                log.info("read_cache_listening", channel=self.channel)
                while not conn.is_closed():
                    await asyncio.sleep(self._check_interval_s)
                    await conn.fetchval("SELECT 1", timeout=self._check_interval_s)
            except Exception as exc:
                if outage(exc) is None:
                    raise
                log.warning("read_cache_off", channel=self.channel, error=repr(exc)[:200])
            finally:
                self.listening = False
                self.clear()
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(1.0)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        self.drop(payload)
