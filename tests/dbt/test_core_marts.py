"""The core marts on a real dbt build of a small simulated district: documented, reconciled with the core
to the fen (and the reconciliation fails when they are not), unit tests of the tricky SQL, the trace of a
payment, and an incremental refresh that equals a full rebuild."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from fiscal_app.settings import Settings
from demo_district import SimConfig, simulate
from ingest.compare import table_differences, table_fingerprints
from ingest.pipeline import DBT_PROJECT, refresh, run_dbt

from .test_subsystem_marts import District, assert_marts_match_their_docs, built_district

CORE_MARTS = ["dim_agency", "dim_date", "dim_project", "fct_budget_execution_monthly", "fct_indicator_balance",
              "fct_payment", "fct_project_lifecycle", "fct_revenue_monthly", "fct_treasury_cash_daily",
              "payment_trace"]


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    return built_district(tmp_path_factory)


def _copy(district: District, tmp_path: Path) -> Path:
    dst = tmp_path / "warehouse.duckdb"
    shutil.copy2(district.warehouse, dst)
    return dst


def test_core_marts_exist_as_documented(district: District) -> None:
    docs = assert_marts_match_their_docs(district, "core")
    assert sorted(docs) == CORE_MARTS


def test_every_mart_and_column_is_described() -> None:
    missing = []
    for path in sorted((DBT_PROJECT / "models" / "marts").rglob("*.yml")):
        for m in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            if not (m.get("description") or "").strip() or "grain" not in m["description"].lower():
                missing.append(f"{m['name']}: description with its grain")
            missing += [f"{m['name']}.{c['name']}" for c in m.get("columns", [])
                        if not (c.get("description") or "").strip() or not c.get("data_type")]
    assert not missing, missing


def test_marts_add_up_to_the_core(district: District) -> None:
    """Independent of dbt's own tests: the core database itself, read with sqlite3, against the marts."""
    core = sqlite3.connect(district.home / "core.sqlite3")
    apps, applied = core.execute("select count(*), sum(pay_app_amt) from pay_voucher").fetchone()
    paid = core.execute("select sum(paid_amt) from ba_bgt_info").fetchone()[0]
    core.close()
    mart = district.query("select count(*), sum(pay_app_amt) from marts.fct_payment")[0]
    assert (mart[0], mart[1] * 100) == (apps, applied)
    assert district.query("select sum(paid_amt) from marts.fct_indicator_balance")[0][0] * 100 == paid
    # the ledger identity: nothing paid beyond the indicator after adjustments, nothing available below zero
    assert district.query("select count(*) from marts.fct_indicator_balance "
                          "where paid_amt > adjusted_amt or canuse_amt < 0")[0][0] == 0


@pytest.mark.parametrize(("table", "where", "test"), [
    ("pay_voucher_bill", "bill_type = 'pay' and xpay_amt > 0", "reconcile_payments_with_core"),
    ("ba_bgt_ledger", "entry_type = 'PAY'", "reconcile_indicators_with_core"),
])
def test_reconciliation_fails_on_a_one_fen_difference(district: District, tmp_path: Path, table: str, where: str,
                                                      test: str) -> None:
    wh = _copy(district, tmp_path)
    column = "xpay_amt" if table == "pay_voucher_bill" else "d_paid"
    with duckdb.connect(str(wh)) as con:
        key = "pay_cert_id" if table == "pay_voucher_bill" else "ledger_id"
        con.execute(f"update raw.{table} set {column} = {column} + 1 "
                    f"where {key} = (select min({key}) from raw.{table} where {where})")
    _n, failures = run_dbt(["build", "--select", "int_payment_bills_rolled+", "int_indicator_ledger_summed+", "--exclude",
                            "resource_type:unit_test", "path:models/marts/disclosure", "path:models/marts/subsystems"],
                           wh, quiet=True, target_dir=tmp_path / ".dbt")
    assert any(test in f for f in failures), failures


def test_dbt_unit_tests_pass(district: District, tmp_path: Path) -> None:
    """Refreshes leave unit tests out (they test SQL, not data); the suite runs them here."""
    n, failures = run_dbt(["test", "--select", "test_type:unit"], _copy(district, tmp_path), quiet=True,
                          target_dir=tmp_path / ".dbt")
    assert n >= 3 and not failures, failures


def test_payment_trace_tells_where_the_money_came_from(district: District) -> None:
    rows = district.query("""
        select pay_app_id from marts.fct_payment
        where is_cleared and contract_no is not null order by pay_app_id limit 1""")
    assert rows, "no cleared contract payment in the district"
    pay_app_id = rows[0][0]
    steps = district.query("select step_no, stage_no, action, object_id, journal_seq from marts.payment_trace "
                           "where pay_app_id = ? order by step_no", [pay_app_id])
    stages = {s[1] for s in steps}
    assert {1, 2, 3, 4, 5, 6} <= stages                       # project, budget, indicator, procurement, pay, clear
    actions = [s[2] for s in steps]
    assert actions.index("project.declare") < actions.index("indicator.issue") < actions.index("payment.submit") \
        < actions.index("payment.paid") < actions.index("payment.clearing_batch")
    core = sqlite3.connect(district.home / "core.sqlite3")
    for _step, _stage, action, object_id, seq in steps:           # every step is a row of the hash-chained journal
        assert core.execute("select action, object_id from journal where seq = ?", [seq]).fetchone() == (action,
                                                                                                     object_id)
    core.close()


def _sim(home: Path, as_of: date) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FISCAL_HOME", str(home))
        simulate(Settings.from_env(), SimConfig(scale=0.01, years=1, as_of=as_of), log=lambda _m: None)


def _settings(home: Path) -> Settings:
    return Settings(home=home, core_url=f"sqlite:///{home / 'core.sqlite3'}")


def test_incremental_refresh_equals_full_rebuild(tmp_path: Path) -> None:
    """Two simulations a day apart share their history (the journal hash at the earlier tip is the same).
    Refresh the earlier one, move it forward to the later core and the day's new files, refresh
    incrementally: the marts equal a full rebuild of the later one, row for row."""
    prev, cur = tmp_path / "prev", tmp_path / "cur"
    _sim(prev, date(2025, 4, 29))
    _sim(cur, date(2025, 4, 30))
    inbox_before = {p.name for p in (prev / "exchange" / "inbox").iterdir()}
    for name in inbox_before - {p.name for p in (cur / "exchange" / "inbox").iterdir()}:
        shutil.copy2(prev / "exchange" / "inbox" / name, cur / "exchange" / "inbox" / name)   # same files in both
    refresh(_settings(prev))
    shutil.copy2(cur / "core.sqlite3", prev / "core.sqlite3")
    new = [p for p in (cur / "exchange" / "inbox").iterdir() if p.name not in inbox_before]
    assert new
    for p in new:
        shutil.copy2(p, prev / "exchange" / "inbox" / p.name)
    inc = refresh(_settings(prev))
    assert inc.mode == "incremental" and inc.extract is not None and inc.extract.from_seq > 0
    full = refresh(_settings(cur), full=True)
    a, b = prev / "warehouse.duckdb", cur / "warehouse.duckdb"
    assert table_fingerprints(a) == table_fingerprints(b)
    tables = [t for t in table_fingerprints(b) if t != "payment_trace"] + ["payment_trace"]
    assert table_differences(a, b, tables) == dict.fromkeys(tables, 0)
    assert full.dbt_nodes > 100 and not full.dbt_failures


def test_docs_describe_every_mart_column(district: District) -> None:
    """``fiscal docs`` (dbt docs generate on a copy of the live warehouse): the catalog holds every mart, and
    every column the catalog finds in a mart has its description in the manifest."""
    import json

    from ingest.pipeline import generate_docs

    folder = generate_docs(Settings(home=district.home, core_url=f"sqlite:///{district.home / 'core.sqlite3'}"))
    catalog = json.loads((folder / "catalog.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    marts = {k: v for k, v in catalog["nodes"].items() if v["metadata"]["schema"] == "marts"}
    assert {v["metadata"]["name"] for v in marts.values()} >= set(CORE_MARTS)
    undocumented = [f"{v['metadata']['name']}.{c}" for k, v in marts.items() for c in v["columns"]
                    if not manifest["nodes"][k]["columns"].get(c, {}).get("description")]
    assert not undocumented, undocumented
    assert (folder / "index.html").exists()
