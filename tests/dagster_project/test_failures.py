"""What a refresh does when something is wrong: the reconciliation catches a core that disagrees, and a
failed or refused run leaves the live warehouse, the inbox and the build file as they were."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.reconcile import reconcile
from ingest.warehouse import refresh_lock

from .conftest import Refreshed

RECON = dg.AssetCheckKey(dg.AssetKey(["marts", "fct_payment"]), "reconciles_with_core")


def _tampered_copy(refreshed: Refreshed, dst: Path) -> tuple[Path, str, str]:
    """The refreshed home's core and warehouse, with one application's amount changed in the core behind
    the journal's back (as a bad restore or a manual UPDATE would). Returns (home, day, pay_app_id)."""
    dst.mkdir()
    for name in ("core.sqlite3", "warehouse.duckdb"):
        shutil.copy(refreshed.home / name, dst / name)
    with sqlite3.connect(dst / "core.sqlite3") as core:
        app_id, day = core.execute("select pay_app_id, create_date from pay_voucher order by pay_app_id limit 1").fetchone()
        core.execute("update pay_voucher set pay_app_amt = pay_app_amt + 1 where pay_app_id = ?", (app_id,))
    return dst, day, app_id


def test_reconcile_finds_the_day_and_the_measure(refreshed: Refreshed, tmp_path: Path) -> None:
    home, day, _ = _tampered_copy(refreshed, tmp_path / "home")
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        result = reconcile(f"sqlite:///{home / 'core.sqlite3'}", con)
    finally:
        con.close()
    assert not result.ok
    assert {(m.table, m.day, m.measure) for m in result.mismatches} == {
        (t, day, "app_amt") for t in ("raw.pay_voucher", "staging.stg_core__pay_voucher", "marts.fct_payment")}
    assert all(m.warehouse + 1 == m.core for m in result.mismatches)


def test_reconcile_leaves_out_what_the_core_journalled_since(refreshed: Refreshed, tmp_path: Path) -> None:
    """A change the journal records after the warehouse's watermark is not a mismatch: the next refresh
    brings it."""
    home, _, app_id = _tampered_copy(refreshed, tmp_path / "home")
    with sqlite3.connect(home / "core.sqlite3") as core:
        seq = core.execute("select max(seq) from journal").fetchone()[0] + 1
        core.execute("insert into journal (seq, occurred_at, actor, actor_role, action, object_type, object_id, "
                      "before_json, after_json, opinion, prev_hash, hash) values (?, '2025-04-30T12:00:00+08:00', "
                      "'t', 'admin', 'payment.amend', 'pay_voucher', ?, '{}', '{}', '', '', '')", (seq, app_id))
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        result = reconcile(f"sqlite:///{home / 'core.sqlite3'}", con)
    finally:
        con.close()
    assert result.ok, result.summary()
    assert result.excluded_apps == 1 and result.core_seq == result.warehouse_seq + 1


def test_check_alone_reads_the_live_warehouse_and_fails_on_a_mismatch(
        refreshed: Refreshed, dagster_defs: dg.Definitions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, _, _ = _tampered_copy(refreshed, tmp_path / "home")
    monkeypatch.setenv("FISCAL_HOME", str(home))
    job = dagster_defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=set(), asset_check_selection={RECON})
    result = job.execute_in_process(raise_on_error=False)
    (evaluation,) = [e.asset_check_evaluation_data for e in result.all_events
                     if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert not evaluation.passed
    assert evaluation.metadata["warehouse"].value == str(home / "warehouse.duckdb")
    assert evaluation.metadata["mismatches"].value == 3


def _fingerprint(home: Path) -> dict[str, str]:
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(home.rglob("*")) if p.is_file() and p.name != ".refresh.lock"}


@pytest.fixture
def settled_home(refreshed: Refreshed, district: Path, tmp_path: Path) -> Path:
    """A refreshed home (its live warehouse) with a new exchange file waiting in the inbox."""
    home = tmp_path / "home"
    shutil.copytree(refreshed.home, home)
    new = sorted((district / "exchange" / "inbox").glob("tax_revenue_*.csv"))[-1]
    shutil.copy(new, home / "exchange" / "inbox" / new.name.replace("2025", "2026"))
    return home


def test_a_failing_refresh_changes_nothing(settled_home: Path, dagster_defs: dg.Definitions,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = _fingerprint(settled_home)
    monkeypatch.setenv("FISCAL_HOME", str(settled_home))
    monkeypatch.setenv("FISCAL_CORE_URL", f"sqlite:///{settled_home / 'no-such-core.sqlite3'}")
    result = dagster_defs.resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    assert not result.success
    failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed == ["core_extract"]
    assert _fingerprint(settled_home) == before      # live warehouse, inbox as they were; no build file left


def test_a_refresh_while_another_runs_is_refused(settled_home: Path, dagster_defs: dg.Definitions,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = _fingerprint(settled_home)
    monkeypatch.setenv("FISCAL_HOME", str(settled_home))
    with refresh_lock(settled_home):          # e.g. `fiscal refresh` from a terminal
        result = dagster_defs.resolve_job_def("refresh_job").execute_in_process(raise_on_error=False)
    assert not result.success
    (init,) = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert "另一个刷新正在进行" in init.event_specific_data.error.message  # type: ignore[union-attr]
    assert not [e for e in result.all_events if e.event_type_value == "STEP_START"]
    assert _fingerprint(settled_home) == before
