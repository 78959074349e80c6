"""The core's control totals are read the same way on SQLite and PostgreSQL (a few payments through the core's
own commands, extracted into raw), in the extract's snapshot; a change behind the journal's back shows in the
next extract's totals while the raw rows, which only the journal brings, stay as they were — which is what
``marts.fct_reconciliation`` then catches."""

from __future__ import annotations

import secrets
from datetime import date

import duckdb
from sqlalchemy import text

from ingest.core_extract import extract_core
from ingest.person_key import PersonKey

from ..support import YEAR, World

KEY = PersonKey(secrets.token_bytes(32))


def _totals(wh: duckdb.DuckDBPyConnection, measure: str) -> dict[str, tuple[int, int]]:
    return {k: (n, t) for k, n, t in wh.execute(
        "select key, n, total_fen from raw._control_totals where measure = ?", [measure]).fetchall()}


def test_control_totals_then_a_change_behind_the_journal_shows(world: World) -> None:
    _, bgt = world.funded(100_000_00)
    paid = world.pay(bgt, 30_000_00)
    world.paid(paid.pay_app_id, day=date(YEAR, 3, 12))
    world.pay(bgt, 12_345_67)                               # still in flight
    url = world.core.db.url.render_as_string(hide_password=False)
    wh = duckdb.connect()
    extract_core(url, wh, person_key=KEY)
    apps = _totals(wh, "pay_app_by_day")
    assert sum(n for n, _ in apps.values()) == 2 and sum(t for _, t in apps.values()) == 42_345_67
    assert _totals(wh, "paid_by_day") == {f"{YEAR}-03-12": (1, 30_000_00)}
    assert wh.execute("select sum(pay_app_amt) from raw.pay_voucher").fetchone() == (42_345_67,)
    with world.core.db.engine.begin() as conn:          # a manual UPDATE: not journalled
        conn.execute(text("update pay_voucher set pay_app_amt = pay_app_amt - 1 where pay_app_id = :a"),
                     {"a": paid.pay_app_id})
    report = extract_core(url, wh, person_key=KEY)                       # incremental: nothing new in the journal
    assert report.mode == "incremental" and sum(report.rows.values()) == 0
    assert sum(t for _, t in _totals(wh, "pay_app_by_day").values()) == 42_345_67 - 1
    assert wh.execute("select sum(pay_app_amt) from raw.pay_voucher").fetchone() == (42_345_67,)
