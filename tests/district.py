"""The one small simulated district every warehouse-side test shares, built once per test session.

``fiscal simulate --scale 0.01 --years 1 --as-of 2025-04-30`` (about 150 exchange files), with a snapshot of the
core and the inbox taken as April starts (``early``): the final core is the same database four weeks of
business later, so a refresh of ``early`` grown to ``final`` is a real change feed. ``built_district`` is
``final`` refreshed through the whole pipeline (dbt, reconciliation, forecasts). Tests copy these homes and
never change them. A failed build fails every test that needs it, loudly: nothing is skipped.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from demo_district import SimConfig, simulate
from fiscal_app.settings import Settings
from ingest import person_key
from ingest.pipeline import RefreshReport, refresh

AS_OF = date(2025, 4, 30)
SMALL = ("--scale", "0.01", "--years", "1", "--as-of", AS_OF.isoformat())   # the same district, on a command line


@dataclass(frozen=True)
class District:
    early: Path       # core and inbox at the start of April 2025
    final: Path       # core and inbox at 2025-04-30 (the same core, four weeks later)


@dataclass(frozen=True)
class Built:
    """A refreshed home: its core, planted cases and live warehouse."""

    home: Path

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def settings(home: Path) -> Settings:
    return Settings.for_home(home)


def refresh_home(home: Path, **kw: Any) -> RefreshReport:
    s = settings(home)
    return refresh(s.core_url, s.refresh_paths(), **kw)


def copy_home(src: Path, dst: Path) -> Path:
    """A copy of a home to change at will (without the leftovers of a refresh in progress)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".refresh.lock", ".warehouse.build.duckdb*"))
    return dst


def simulate_district(root: Path) -> District:
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

    s = settings(final)
    res = simulate(s.core_url, s.home, SimConfig(scale=0.01, years=1, as_of=AS_OF), log=log)
    assert res.journal_ok and not res.ledger_violations, "the shared test district failed its own checks"
    assert early.exists(), "the simulator no longer reports “2025-04：…” as April starts: take the snapshot elsewhere"
    # one deployment, one person key (what `fiscal init` creates): every home copied from these shares it, so an
    # incremental history and a full rebuild key persons alike
    person_key.create(final)
    shutil.copytree(final / "secrets", early / "secrets")
    return District(early, final)


def build_district(district: District, dst: Path) -> Built:
    home = copy_home(district.final, dst)
    report = refresh_home(home)
    assert report.warehouse is not None and not report.dbt_failures, report.dbt_failures
    return Built(home)
