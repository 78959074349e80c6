"""refresh_job on a small simulated district: everything materialises in order, the dbt tests and the
reconciliation pass, the live warehouse has its marts, and the inbox is settled."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import duckdb
import pytest

from .conftest import Refreshed, load_defs

ORDER = ["warehouse__build", "core_extract", "exchange_ingest", "fiscal_dbt",
         "marts__fct_reconciliation_reconciles_with_core", "forecast", "forecast_intervals_finite_and_ordered",
         "warehouse__live"]


def test_job_succeeds_step_by_step(refreshed: Refreshed) -> None:
    result = refreshed.result
    failures = [e.event_specific_data.error.message for e in result.all_events  # type: ignore[union-attr]
                if e.event_type_value == "STEP_FAILURE"]
    assert result.success, failures
    done = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"]
    assert done == ORDER        # in process, one step after another
    build = result.asset_materializations_for_node("warehouse__build")[0]
    assert build.metadata["mode"].value == "full"       # no live warehouse yet: a full build
    raw = {m.asset_key.to_user_string(): m.metadata for m in result.asset_materializations_for_node("core_extract")}
    with sqlite3.connect(refreshed.home / "core.sqlite3") as core:
        assert raw["raw/pay_voucher"]["rows_extracted"].value == core.execute("select count(*) from pay_voucher").fetchone()[0]
    ex = {m.asset_key.to_user_string(): m.metadata for m in result.asset_materializations_for_node("exchange_ingest")}
    assert ex["raw_exchange/xch_file"]["files_recorded"].value == len(refreshed.inbox_files)
    assert ex["raw_exchange/xch_tax_revenue"]["rows_loaded"].value > 0


def test_dbt_tests_ran_as_checks_and_passed(refreshed: Refreshed) -> None:
    dbt = [c for c in refreshed.check_evaluations() if c.check_name != "reconciles_with_core"]
    assert len(dbt) >= 5
    assert [c.asset_check_key.to_user_string() for c in dbt if not c.passed] == []


def test_reconciliation_passed_against_the_core(refreshed: Refreshed) -> None:
    (recon,) = [c for c in refreshed.check_evaluations() if c.check_name == "reconciles_with_core"]
    assert recon.passed, recon.description
    meta = {k: v.value for k, v in recon.metadata.items()}
    with sqlite3.connect(refreshed.home / "core.sqlite3") as core:
        days, indicators = core.execute("select (select count(distinct create_date) from pay_voucher), "
                                        "(select count(*) from ba_bgt_info)").fetchone()
    assert days > 30 and meta["mismatches"] == 0
    assert meta["keys_by_measure"]["pay_app_by_day"] == days
    assert meta["keys_by_measure"]["indicator_balance"] == indicators


def test_the_data_quality_page_sees_the_run_dagster_made(refreshed: Refreshed) -> None:
    """One artefact folder: the dbt build Dagster ran left its results where the pipeline (and the data-quality
    page) read them."""
    from ingest.pipeline import read_run_results
    from tests.district import settings

    results = read_run_results(settings(refreshed.home).refresh_paths().run_results)
    assert results is not None and len(results["nodes"]) > 100
    assert all(r["status"] in {"success", "pass"} for r in results["nodes"])


def test_live_warehouse_has_marts_and_inbox_is_settled(refreshed: Refreshed) -> None:
    home = refreshed.home
    assert (home / "warehouse.duckdb").exists()
    assert not (home / ".warehouse.build.duckdb").exists()
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        marts = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts'").fetchall()}
        (n_fct,) = con.execute("select count(*) from marts.fct_payment").fetchall()[0]
        files = con.execute("select file_name from raw.xch_file").fetchall()
    finally:
        con.close()
    assert {"fct_payment", "dim_agency"} <= marts
    with sqlite3.connect(home / "core.sqlite3") as core:
        assert n_fct == core.execute("select count(*) from pay_voucher").fetchone()[0]
    # every inbox file was recorded, and moved to the archive or the rejected folder
    assert sorted(f for (f,) in files) == refreshed.inbox_files
    assert list((home / "exchange" / "inbox").iterdir()) == []
    kept = [p for p in (home / "exchange").rglob("*") if p.is_file() and not p.name.endswith(".reason.txt")
            and "inbox" not in p.parts]
    assert len(kept) == len(refreshed.inbox_files)
    live = refreshed.result.asset_materializations_for_node("warehouse__live")[0]
    assert live.metadata["inbox_archived"].value + live.metadata["inbox_rejected"].value == len(kept)


def test_next_refresh_is_incremental(refreshed: Refreshed, district: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The nightly case: a copy of the live warehouse, unchanged code sets not reloaded, a new file archived."""
    home = tmp_path / "home"
    shutil.copytree(refreshed.home, home)
    new = sorted((district / "exchange" / "inbox").glob("bank_receipt_*.csv"))[-1]
    # a file the warehouse has not seen (the same bytes again would be a duplicate, removed rather than archived)
    (home / "exchange" / "inbox" / "bank_receipt_20250501.csv").write_bytes(new.read_bytes() + b"\n")
    monkeypatch.setenv("FISCAL_HOME", str(home))
    result = load_defs().resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    assert result.success
    assert result.asset_materializations_for_node("warehouse__build")[0].metadata["mode"].value == "incremental"
    built = {m.asset_key.path[0] for m in result.asset_materializations_for_node("fiscal_dbt")}
    assert "marts" in built and "ref" not in built         # the code-set seeds were already loaded
    (recon,) = [e.asset_check_evaluation_data for e in result.all_events
                if e.event_type_value == "ASSET_CHECK_EVALUATION"
                and e.asset_check_evaluation_data.check_name == "reconciles_with_core"]
    assert recon.passed, recon.description
    assert list((home / "exchange" / "inbox").iterdir()) == []
    assert len(list((home / "exchange").rglob("*_bank_receipt_20250501.csv"))) == 1
