"""Alembic environment: the service's tables plus the runtime's (outbox, processed events)."""

from flotilla_runtime import consumer, outbox  # noqa: F401  (the runtime's tables)
from flotilla_runtime.db import Base
from flotilla_runtime.migrations import run_env
from monitor_gateway import models  # noqa: F401  (the service's tables)

run_env(Base.metadata)
