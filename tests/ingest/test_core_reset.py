"""A core restored from an older backup (or rebuilt) no longer holds the warehouse's watermark: the next
refresh notices from the journal hash and re-reads the core whole instead of keeping stale rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb

from tests.district import District

from .helpers import copy_home, put_core, run


def _payments(home: Path) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return int(con.execute("select count(*) from raw.pay_voucher").fetchone()[0])  # type: ignore[index]


def test_a_core_restored_from_an_older_backup_is_reread_whole(district: District, loaded: Path,
                                                             tmp_path: Path) -> None:
    home = copy_home(loaded, tmp_path / "home")
    before = _payments(home)
    put_core(district.early, home)                 # the core goes back four weeks
    rep = run(home)
    assert rep.extract is not None and rep.extract.mode == "full"
    after = _payments(home)
    with sqlite3.connect(district.early / "core.sqlite3") as core:
        expected = core.execute("select count(*) from pay_voucher").fetchone()[0]
    assert after == expected < before              # the four weeks the core no longer has are gone from raw
