"""Fixtures for the ingest tests: one small simulated district per session, refreshed into real warehouses.

``district``: ``fiscal simulate`` at scale 0.01 to 2025-04-30 (about 150 exchange files), with a snapshot of the
core and the inbox taken at the start of April (``early``); the final core is the same database four weeks of
business later, so an incremental refresh from ``early`` to ``final`` is a real change feed.
``early_built``: ``early`` refreshed (a full build, no warehouse before it).
``loaded``: ``early_built`` grown to ``final`` and refreshed incrementally: the reference warehouse.
Tests copy these homes (``copy_home``) and never change them.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from fiscal_core.simulate import SimConfig, simulate
from ingest.refresh import refresh

from .helpers import copy_home, grow, settings


@dataclass(frozen=True)
class District:
    early: Path       # core and inbox at the start of April 2025
    final: Path       # core and inbox at 2025-04-30 (the same core, four weeks later)


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    root = tmp_path_factory.mktemp("ingest_district")
    final, early = root / "final", root / "early"

    def log(msg: str) -> None:
        # the simulator reports each month as it starts, between committed days: a consistent moment
        if "2025-04：" in msg and not early.exists():
            (early / "exchange").mkdir(parents=True)
            shutil.copytree(final / "exchange" / "inbox", early / "exchange" / "inbox")
            src, dst = sqlite3.connect(final / "core.sqlite3"), sqlite3.connect(early / "core.sqlite3")
            with dst:
                src.backup(dst)
            src.close()
            dst.close()

    res = simulate(settings(final), SimConfig(scale=0.01, years=1, as_of=date(2025, 4, 30)), log=log)
    assert res.journal_ok
    assert early.exists(), "the simulator no longer reports “2025-04：…” as April starts: take the snapshot elsewhere"
    return District(early, final)


@pytest.fixture(scope="session")
def early_built(district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = copy_home(district.early, tmp_path_factory.mktemp("early_built") / "home")
    refresh(settings(home), dbt=False)
    return home


@pytest.fixture(scope="session")
def loaded(district: District, early_built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = copy_home(early_built, tmp_path_factory.mktemp("loaded") / "home")
    grow(home, district)
    report = refresh(settings(home), dbt=False)
    assert report.mode == "incremental" and report.exchange is not None
    assert report.exchange.summary().get("loaded", 0) > 20
    return home
