"""Fixtures for the ingest tests, on the shared district (``tests/district.py``, fixture ``district``).

``early_built``: ``district.early`` refreshed (a full build of the raw layer, no warehouse before it).
``loaded``: ``early_built`` grown to ``final`` and refreshed incrementally: the reference warehouse.
Tests copy these homes (``copy_home``) and never change them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.district import District

from .helpers import copy_home, grow, run


@pytest.fixture(scope="session")
def early_built(district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = copy_home(district.early, tmp_path_factory.mktemp("early_built") / "home")
    run(home)
    return home


@pytest.fixture(scope="session")
def loaded(district: District, early_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = copy_home(early_built, tmp_path_factory.mktemp("loaded") / "home")
    grow(home, district)
    report = run(home)
    assert report.mode == "incremental" and report.exchange is not None
    assert report.exchange.summary().get("loaded", 0) > 20
    return home
