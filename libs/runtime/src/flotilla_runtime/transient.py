"""Which failures are an outage of something Flotilla depends on — wait and try again — and
which are a fault of the request, the data or the code. One classification for every request
handler, worker, consumer and client, so no loop keeps its own `except` set.

`outage(exc)` names the dependency that is away, or None:

- **database**: the connection could not be made or was lost (SQLSTATE class 08), the server
  is shutting down or starting (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
  cannot_connect_now), it has no connection left (53300), or the pool gave none in time; a
  serialization failure or deadlock (40001, 40P01) is retried the same way. SQLSTATE codes:
  https://www.postgresql.org/docs/current/errcodes-appendix.html. SQLAlchemy wraps asyncpg's
  errors in `DBAPIError` (`.orig`), and marks a dropped connection `connection_invalidated`.
- **broker**: an aiokafka error that is `retriable` (connection, timeouts, leader elections).
- **peer**: another Flotilla service did not answer (`httpx.TransportError`) or said it is
  unavailable (a 503-class domain error, e.g. `RegistryUnavailable`).
- **kubernetes**: a cluster's API server did not answer, or answered 429/5xx.

A constraint violation, a bad query, a 4xx from a peer: not an outage, and retrying cannot
help. A request that meets an outage gets `errors.DependencyUnavailable` (503, `Retry-After`).
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
from enum import StrEnum
from typing import Final

import aiohttp
import asyncpg
import httpx
from aiokafka import errors as kafka_errors
from kubernetes_asyncio.client.exceptions import ApiException
from sqlalchemy import exc as sa_exc

from flotilla_runtime.errors import FlotillaError, Unavailable


class Dependency(StrEnum):
    DATABASE = "database"
    BROKER = "broker"
    PEER = "peer"  # another service, or a connection below any client library that failed
    KUBERNETES = "kubernetes"

    @property
    def described(self) -> str:
        return _DESCRIBED[self]


_DESCRIBED: Final = {
    Dependency.DATABASE: "the database is unavailable",
    Dependency.BROKER: "the event broker is unavailable",
    Dependency.PEER: "a service this one depends on did not answer",
    Dependency.KUBERNETES: "a cluster's API server is unavailable",
}


_SOCKET_ERRNOS: Final = frozenset(
    {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.EADDRNOTAVAIL}
)
_RETRY_SQLSTATES: Final = frozenset({"57P01", "57P02", "57P03", "53300", "40001", "40P01"})
_ASYNCPG_OUTAGES: Final = (
    asyncpg.PostgresConnectionError,  # class 08
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.InterfaceError,  # "connection is closed" after a drop
    # "cannot switch to state ...; another operation is in progress": seen as the first error on
    # a connection the server is shutting down (tests/faults); only a new connection helps.
    asyncpg.InternalClientError,
)


def _database(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        return exc.orig is not None and _database(exc.orig)
    if isinstance(exc, sa_exc.TimeoutError):  # the pool gave no connection in time
        return True
    if isinstance(exc, _ASYNCPG_OUTAGES):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return str(getattr(exc, "sqlstate", "")) in _RETRY_SQLSTATES
    # SQLAlchemy's asyncpg adapter re-raises asyncpg errors as its own classes with `sqlstate`.
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    return sqlstate.startswith("08") or sqlstate in _RETRY_SQLSTATES


# The exception classes `outage` may name a dependency for (a request handler's own handler).
OUTAGE_TYPES: Final[tuple[type[Exception], ...]] = (
    OSError,
    sa_exc.SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    kafka_errors.KafkaError,
    httpx.TransportError,
    ApiException,
    aiohttp.ClientError,
)


def outage(exc: BaseException) -> Dependency | None:
    """The dependency `exc` says is away (wait and retry), or None (a fault: do not retry)."""
    if isinstance(exc, FlotillaError):
        return Dependency.PEER if isinstance(exc, Unavailable) else None
    if _database(exc):
        return Dependency.DATABASE
    if isinstance(exc, kafka_errors.KafkaError):
        return Dependency.BROKER if exc.retriable else None
    if isinstance(exc, httpx.TransportError):
        return Dependency.PEER
    if isinstance(exc, ApiException):
        return Dependency.KUBERNETES if exc.status in (0, 429) or exc.status >= 500 else None
    if isinstance(exc, aiohttp.ClientError | ssl.SSLError):
        return Dependency.KUBERNETES
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return None
    # Below any client library: a socket that was refused, reset, timed out or could not be
    # routed, or a name the resolver could not resolve now. Other OSErrors (a file that
    # cannot be written) are faults.
    if isinstance(exc, ConnectionError | TimeoutError | asyncio.TimeoutError):
        return Dependency.PEER
    if isinstance(exc, socket.gaierror):
        return Dependency.PEER if exc.errno == socket.EAI_AGAIN else None
    if isinstance(exc, OSError) and exc.errno in _SOCKET_ERRNOS:
        return Dependency.PEER
    return None


class Backoff:
    """Exponential backoff for a loop that waits out an outage: 0.2 s doubling to `cap_s`,
    back to the start after a success."""

    def __init__(self, *, first_s: float = 0.2, cap_s: float = 10.0) -> None:
        self._first_s = first_s
        self._cap_s = cap_s
        self.next_s = first_s

    async def wait(self) -> None:
        await asyncio.sleep(self.next_s)
        self.next_s = min(self._cap_s, self.next_s * 2)

    def reset(self) -> None:
        self.next_s = self._first_s
