"""The core marts on a real dbt build of a small simulated built_district: documented, reconciled with the core
to the fen (and the reconciliation fails when they are not), unit tests of the tricky SQL, the trace of a
payment, and an incremental refresh that equals a full rebuild."""

from __future__ import annotations

import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from ingest.compare import table_differences, table_fingerprints
from ingest.pipeline import DBT_PROJECT, read_reconciliation, run_dbt
from tests.district import Built, District, copy_home, refresh_home
from tests.ingest.helpers import grow

from .test_subsystem_marts import assert_marts_match_their_docs

CORE_MARTS = ["dim_agency", "dim_date", "dim_project", "fct_budget_execution_monthly", "fct_indicator_balance",
              "fct_payment", "fct_project_lifecycle", "fct_revenue_monthly", "fct_treasury_cash_daily",
              "payment_trace"]


def _copy(built_district: Built, tmp_path: Path) -> Path:
    dst = tmp_path / "warehouse.duckdb"
    shutil.copy2(built_district.warehouse, dst)
    return dst


def test_core_marts_exist_as_documented(built_district: Built) -> None:
    docs = assert_marts_match_their_docs(built_district, "core")
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


def test_marts_add_up_to_the_core(built_district: Built) -> None:
    """Independent of dbt's own tests: the core database itself, read with sqlite3, against the marts."""
    core = sqlite3.connect(built_district.home / "core.sqlite3")
    apps, applied = core.execute("select count(*), sum(pay_app_amt) from pay_voucher").fetchone()
    paid = core.execute("select sum(paid_amt) from ba_bgt_info").fetchone()[0]
    core.close()
    mart = built_district.query("select count(*), sum(pay_app_amt) from marts.fct_payment")[0]
    assert (mart[0], mart[1] * 100) == (apps, applied)
    assert built_district.query("select sum(paid_amt) from marts.fct_indicator_balance")[0][0] * 100 == paid
    # the ledger identity: nothing paid beyond the indicator after adjustments, nothing available below zero
    assert built_district.query("select count(*) from marts.fct_indicator_balance "
                          "where paid_amt > adjusted_amt or canuse_amt < 0")[0][0] == 0


@pytest.mark.parametrize(("table", "where", "measure"), [
    ("pay_voucher_bill", "bill_type = 'pay' and xpay_amt > 0", "paid_by_day"),
    ("ba_bgt_ledger", "entry_type = 'PAY'", "indicator_paid_by_year"),
])
def test_reconciliation_fails_on_a_one_fen_difference(built_district: Built, tmp_path: Path, table: str, where: str,
                                                      measure: str) -> None:
    wh = _copy(built_district, tmp_path)
    column = "xpay_amt" if table == "pay_voucher_bill" else "d_paid"
    with duckdb.connect(str(wh)) as con:
        key = "pay_cert_id" if table == "pay_voucher_bill" else "ledger_id"
        con.execute(f"update raw.{table} set {column} = {column} + 1 "
                    f"where {key} = (select min({key}) from raw.{table} where {where})")
    # models only: the data tests of the marts upstream would object too and keep the reconciliation from building
    _n, failures = run_dbt(["run", "--select", "+fct_reconciliation", "--exclude", "path:models/staging"], wh,
                           quiet=True, artefacts=tmp_path / ".dbt")
    assert not failures, failures
    with duckdb.connect(str(wh), read_only=True) as con:
        result = read_reconciliation(con)
    assert not result.ok
    bad = [m for m in result.mismatches if m.measure == measure]
    assert len(bad) == 1 and bad[0].warehouse_amt - bad[0].core_amt == Decimal("0.01")  # type: ignore[operator]


def test_the_built_district_reconciles(built_district: Built) -> None:
    with duckdb.connect(str(built_district.warehouse), read_only=True) as con:
        result = read_reconciliation(con)
    assert result.ok, result.summary()
    assert result.measures["indicator_balance"] > 10 and result.measures["pay_app_by_day"] > 50


def test_dbt_unit_tests_pass(built_district: Built, tmp_path: Path) -> None:
    """Refreshes leave unit tests out (they test SQL, not data); the suite runs them all here, in one dbt run:
    every unit test declared in the project's yml files (core, subsystem and disclosure models alike)."""
    declared = sum(len((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("unit_tests") or [])
                   for p in (DBT_PROJECT / "models").rglob("*.yml"))
    n, failures = run_dbt(["test", "--select", "test_type:unit"], _copy(built_district, tmp_path), quiet=True,
                          artefacts=tmp_path / ".dbt")
    assert declared >= 25 and n == declared and not failures, failures


def test_payment_trace_tells_where_the_money_came_from(built_district: Built) -> None:
    rows = built_district.query("""
        select pay_app_id from marts.fct_payment
        where is_cleared and contract_no is not null order by pay_app_id limit 1""")
    assert rows, "no cleared contract payment in the built_district"
    pay_app_id = rows[0][0]
    steps = built_district.query("select step_no, stage_no, action, object_id, journal_seq from marts.payment_trace "
                           "where pay_app_id = ? order by step_no", [pay_app_id])
    stages = {s[1] for s in steps}
    assert {1, 2, 3, 4, 5, 6} <= stages                       # project, budget, indicator, procurement, pay, clear
    actions = [s[2] for s in steps]
    assert actions.index("project.declare") < actions.index("indicator.issue") < actions.index("payment.submit") \
        < actions.index("payment.paid") < actions.index("payment.clearing_batch")
    core = sqlite3.connect(built_district.home / "core.sqlite3")
    for _step, _stage, action, object_id, seq in steps:           # every step is a row of the hash-chained journal
        assert core.execute("select action, object_id from journal where seq = ?", [seq]).fetchone() == (action,
                                                                                                     object_id)
    core.close()


def test_incremental_refresh_equals_full_rebuild(district: District, built_district: Built, tmp_path: Path) -> None:
    """The shared district's core and inbox as April starts, refreshed through the whole pipeline, then moved
    forward to the final core and the month's new files and refreshed incrementally: the marts equal the full
    rebuild of the final district, row for row. (Forecasts are not compared, so neither refresh makes them: the
    Dagster tests run the incremental forecast step.)"""
    home = copy_home(district.early, tmp_path / "home")
    first = refresh_home(home, forecasts=False)
    assert first.mode == "full"
    assert grow(home, district)
    inc = refresh_home(home, forecasts=False)
    assert inc.mode == "incremental" and inc.extract is not None and inc.extract.from_seq > 0
    assert inc.reconciliation is not None and inc.reconciliation.ok
    # the incremental models (int_journal_events, int_payment_bills_rolled, int_indicator_ledger_summed) were
    # built on from where the first refresh left them, not from nothing
    assert "--full-refresh" in first.dbt_args and "--full-refresh" not in inc.dbt_args
    assert inc.dbt_since["FISCAL_REFRESH_SINCE_SEQ"] == str(inc.extract.from_seq)
    assert int(inc.dbt_since["FISCAL_REFRESH_SINCE_LEDGER"]) > 0
    a, b = home / "warehouse.duckdb", built_district.warehouse
    assert table_fingerprints(a, "intermediate") == table_fingerprints(b, "intermediate")
    assert table_fingerprints(a) == table_fingerprints(b)
    tables = [t for t in table_fingerprints(b) if t != "payment_trace"] + ["payment_trace"]
    assert table_differences(a, b, tables) == dict.fromkeys(tables, 0)
    assert first.dbt_nodes > 100 and not first.dbt_failures


def test_docs_describe_every_mart_column(built_district: Built, tmp_path: Path) -> None:
    """``fiscal docs`` (dbt docs generate on a copy of the live warehouse): the catalog holds every mart, and
    every column the catalog finds in a mart has its description in the manifest."""
    import json

    from ingest.pipeline import generate_docs

    folder = generate_docs(built_district.warehouse, tmp_path / ".dbt")
    catalog = json.loads((folder / "catalog.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    marts = {k: v for k, v in catalog["nodes"].items() if v["metadata"]["schema"] == "marts"}
    assert {v["metadata"]["name"] for v in marts.values()} >= set(CORE_MARTS)
    undocumented = [f"{v['metadata']['name']}.{c}" for k, v in marts.items() for c in v["columns"]
                    if not manifest["nodes"][k]["columns"].get(c, {}).get("description")]
    assert not undocumented, undocumented
    assert (folder / "index.html").exists()
