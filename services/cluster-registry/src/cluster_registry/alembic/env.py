"""Alembic environment: the service's tables plus the runtime's (outbox, processed events)."""

from cluster_registry import models  # noqa: F401  (the service's tables)
from flotilla_runtime import consumer, outbox  # noqa: F401  (the runtime's tables)
from flotilla_runtime.db import Base
from flotilla_runtime.migrations import run_env

run_env(Base.metadata)
