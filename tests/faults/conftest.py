"""The fault world (flotilla_devstack.faults.FaultWorld), one per module of this directory,
shared by that module's tests (starting it is a third of the time a fault takes).

Module scope, not package: this directory is not a package, and a "package"-scoped fixture
here lived until the end of the session — the whole stack idling under every later test, which
made a timing-sensitive analysis test (tests/test_analysis.py) fail in CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flotilla_devstack import faults


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, flotilla_cache_dir: Path
) -> Iterator[faults.FaultWorld]:
    started = faults.FaultWorld.start(
        tmp_path_factory.mktemp("faults"), cache_dir=flotilla_cache_dir
    )
    try:
        yield started
    finally:
        started.stop()
