"""The fault world (flotilla_devstack.faults.FaultWorld), started once for the modules of this
directory: starting it is a third of the time a fault takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flotilla_devstack import faults


@pytest.fixture(scope="package")
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
