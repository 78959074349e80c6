"""``marts.fct_completeness`` says what the platform does not know; each gap is recomputed here from the sources
themselves (the core's SQLite and the exchange archive on disk), not from the warehouse, and must agree."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from tests.district import Built


def _gaps(built: Built, kind: str) -> dict[tuple[int, int, str | None, str | None], tuple[int, Decimal | None]]:
    return {(y, m, d, f): (n, a) for y, m, d, f, n, a in built.query(
        "select fiscal_year, fiscal_month, dept_code, feed, item_count, amount from marts.fct_completeness "
        "where gap_kind = ?", [kind])}


def _core(built: Built) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{built.home / 'core.sqlite3'}?mode=ro", uri=True)


def test_missing_feed_days_are_the_core_s_working_days_without_a_file(built_district: Built) -> None:
    with _core(built_district) as core:
        days = {date.fromisoformat(t[:10]) for (t,) in core.execute("select occurred_at from journal")}
    working = {d for d in days if d.weekday() < 5}
    as_of = max(days)
    archive = built_district.home / "exchange" / "archive"
    expected: Counter[tuple[int, int, str | None, str | None]] = Counter()
    for feed in ("tax_revenue", "bank_receipt"):
        got = {date(int(m[1][:4]), int(m[1][4:6]), int(m[1][6:])) for p in (archive / feed).iterdir()
               if (m := re.search(r"_(\d{8})\.", p.name))}
        assert got, feed
        for d in sorted(working):
            if min(got) <= d <= as_of and d not in got:
                expected[(d.year, d.month, None, feed)] += 1
    found = {k: n for k, (n, _) in _gaps(built_district, "feed_day_missing").items()}
    assert found == dict(expected)


def test_vouchers_awaiting_the_bank_and_payments_not_cleared_match_the_core(built_district: Built) -> None:
    with _core(built_district) as core:
        awaiting = core.execute("select dept_code, count(*), sum(pay_app_amt) from pay_voucher "
                                "where status = 'voucher_issued' group by dept_code").fetchall()
        paid_uncleared = core.execute("select count(*) from pay_voucher where status = 'paid'").fetchone()
    by_dept: dict[str | None, list[Decimal]] = {}
    for (_, _, dept, _), (n, amt) in _gaps(built_district, "payment_awaiting_bank").items():
        acc = by_dept.setdefault(dept, [Decimal(0), Decimal(0)])
        acc[0] += n
        acc[1] += amt or 0
    assert awaiting, "the district leaves some vouchers with the bank at its as-of date"
    assert {d: (int(n), Decimal(fen) / 100) for d, n, fen in awaiting} == {d: (int(n), a) for d, (n, a) in by_dept.items()}
    not_cleared = sum(n for n, _ in _gaps(built_district, "payment_not_cleared").values())
    assert not_cleared == (paid_uncleared[0] if paid_uncleared else 0)


def test_silent_units_are_the_units_with_indicators_and_no_application_in_the_month(built_district: Built) -> None:
    with _core(built_district) as core:
        as_of = date.fromisoformat(core.execute("select max(occurred_at) from journal").fetchone()[0][:10])
        holders = core.execute("select distinct b.agency_code, b.fiscal_year, a.dept_code from ba_bgt_info b "
                               "join bas_agency_info a on a.agency_code = b.agency_code "
                               "where a.is_enabled").fetchall()
        applied = {(a, date.fromisoformat(str(d)[:10]).year, date.fromisoformat(str(d)[:10]).month)
                   for a, d in core.execute("select agency_code, create_date from pay_voucher")}
    expected: Counter[tuple[int, int, str | None, str | None]] = Counter()
    for agency, year, dept in holders:
        month = date(year, 1, 1)
        while month <= as_of and month.year == year:
            if (agency, year, month.month) not in applied:
                expected[(year, month.month, dept, None)] += 1
            month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    found = {k: n for k, (n, _) in _gaps(built_district, "unit_silent").items()}
    assert found == dict(expected)
