"""Idempotency: the same file twice loads once; a refresh with nothing new changes nothing; an incremental
history and a full rebuild give the same warehouse, row for row."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.district import District

from .helpers import (
    TAX_HEADER,
    assert_same_tables,
    copy_home,
    csv_bytes,
    drop,
    folder_state,
    inbox,
    kept_files,
    new_files,
    put_core,
    query,
    run,
    sha256,
    tables,
    tax_row,
)


def live(home: Path) -> Path:
    return home / "warehouse.duckdb"


def test_a_file_delivered_again_loads_once(loaded: Path, tmp_path: Path) -> None:
    """An archived file dropped again, under its own name and under another: nothing changes, the inbox is
    cleared, and the archive still holds one copy."""
    home = copy_home(loaded, tmp_path / "home")
    archived = sorted((home / "exchange" / "archive" / "tax_revenue").iterdir())[-1]
    original = archived.name.split("_", 2)[2]
    drop(home, original, archived.read_bytes())
    drop(home, "tax_revenue_20250509.csv", archived.read_bytes())
    report = run(home)
    # the live warehouse already holds them: the refresh's first step (settle) clears them before ingest
    assert report.settled_before is not None
    assert sorted(report.settled_before.duplicates) == sorted([original, "tax_revenue_20250509.csv"])
    assert report.exchange is not None and report.exchange.files == []
    assert not list(inbox(home).iterdir())
    assert folder_state(home / "exchange") == folder_state(loaded / "exchange")
    assert_same_tables(live(home), live(loaded))


def test_the_same_content_twice_in_one_delivery_loads_once(loaded: Path, tmp_path: Path) -> None:
    home = copy_home(loaded, tmp_path / "home")
    data = csv_bytes(TAX_HEADER, [tax_row("2025-05-06", "10101"), tax_row("2025-05-06", "10104")], "gbk")
    drop(home, "tax_revenue_20250506.csv", data)
    drop(home, "tax_revenue_20250507.csv", data)
    report = run(home)
    assert [(f.name, f.status) for f in report.exchange.files] == [  # type: ignore[union-attr]
        ("tax_revenue_20250506.csv", "loaded"), ("tax_revenue_20250507.csv", "duplicate")]
    assert query(home, "select count(*) from raw.xch_tax_revenue where file_sha256 = ?", [sha256(data)]) == [(2,)]
    assert query(home, "select file_name from raw.xch_file where file_sha256 = ?", [sha256(data)]) == [
        ("tax_revenue_20250506.csv",)]
    assert query(home, "select count(*) from raw.xch_quarantine where file_sha256 = ?", [sha256(data)]) == [(0,)]
    [kept] = kept_files(home)[sha256(data)]
    assert kept.name.endswith("_tax_revenue_20250506.csv")
    assert not list(inbox(home).iterdir())


def test_a_refresh_with_nothing_new_changes_no_table(loaded: Path, tmp_path: Path) -> None:
    home = copy_home(loaded, tmp_path / "home")
    before = tables(live(home))
    report = run(home)
    assert report.mode == "incremental" and report.extract is not None and report.extract.total() == 0
    assert report.exchange is not None and report.exchange.files == []
    assert tables(live(home)) == before
    assert folder_state(home / "exchange") == folder_state(loaded / "exchange")


def test_incremental_history_equals_a_full_rebuild(loaded: Path, early_built: Path, district: District,
                                                    tmp_path: Path) -> None:
    """``loaded`` was built at the start of April and then refreshed incrementally after four more weeks of
    payments, clearing, payroll and revenue. A full rebuild from the same core and the archived files, in a
    home with no warehouse, gives the same tables row for row."""
    home = tmp_path / "home"
    (home / "exchange").mkdir(parents=True)
    put_core(district.final, home)
    shutil.copytree(loaded / "exchange" / "archive", home / "exchange" / "archive")
    shutil.copytree(loaded / "secrets", home / "secrets")          # the same deployment: the same person key
    report = run(home, full=True)
    assert report.mode == "full" and report.extract is not None and report.extract.from_seq == 0
    assert_same_tables(live(home), live(loaded))
    # the comparison has teeth: the incremental step really changed the mutable tables
    changed = "select count(*) from raw.pay_voucher where status = 'cleared'"
    assert query(loaded, changed)[0][0] > query(early_built, changed)[0][0] > 0


def test_files_left_in_the_inbox_by_a_run_killed_after_its_swap_are_archived(loaded: Path, district: District,
                                                                            tmp_path: Path) -> None:
    """The state a run leaves when it is killed after the new warehouse went live but before it moved its
    files: the warehouse records them, the inbox still holds them. The next run must put them in the archive
    (deleting them as already loaded would lose them for every later full rebuild)."""
    home = copy_home(loaded, tmp_path / "home")
    for p in (home / "exchange" / "archive").rglob("*"):
        if p.is_file() and p.name.split("_", 2)[2] in new_files(district):
            p.rename(inbox(home) / p.name.split("_", 2)[2])
    assert len(list(inbox(home).iterdir())) == len(new_files(district))
    report = run(home)
    # settled first, against the live warehouse that records them: archived, not loaded again
    assert report.settled_before is not None and sorted(report.settled_before.archived) == sorted(new_files(district))
    assert report.exchange is not None and report.exchange.files == []
    assert not list(inbox(home).iterdir())
    assert folder_state(home / "exchange") == folder_state(loaded / "exchange")
    assert_same_tables(live(home), live(loaded))
