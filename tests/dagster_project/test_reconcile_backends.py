"""The reconciliation reads the core the same way on SQLite and PostgreSQL (a few payments through the
core's own commands, extracted into raw)."""

from __future__ import annotations

from datetime import date

import duckdb
from sqlalchemy import text

from dagster_project.reconcile import reconcile
from ingest.core_extract import extract_core

from ..support import YEAR, World


def test_raw_reconciles_then_a_change_behind_the_journal_shows(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    paid = world.pay(bgt, 30_000_00)
    world.paid(paid.pay_app_id, day=date(YEAR, 3, 12))
    world.pay(bgt, 12_345_67)                               # still in flight
    url = world.core.db.url.render_as_string(hide_password=False)
    wh = duckdb.connect()
    extract_core(url, wh)
    result = reconcile(url, wh, layers=["raw"])
    assert result.ok, result.summary()
    assert result.compared == ["raw.pay_voucher", "raw.pay_voucher_bill"]
    assert (result.totals["apps"], result.totals["app_amt"], result.totals["paid_amt"]) == (2, 42_345_67, 30_000_00)
    assert result.totals["bills"] == 1
    with world.core.db.engine.begin() as conn:          # a manual UPDATE: not journalled
        conn.execute(text("update pay_voucher set xpay_amt = xpay_amt - 1 where pay_app_id = :a"),
                     {"a": paid.pay_app_id})
    broken = reconcile(url, wh, layers=["raw"])
    assert [(m.measure, m.core - m.warehouse) for m in broken.mismatches] == [("paid_amt", -1)]


def test_no_watermark_is_a_problem_not_a_pass(world: World) -> None:
    result = reconcile(world.core.db.url.render_as_string(hide_password=False), duckdb.connect())
    assert not result.ok and "raw._extract_state" in result.problems[0]

