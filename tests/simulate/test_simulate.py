"""``fiscal simulate`` at scale 0.01: plausible, traceable, deterministic, and only what the controls allow."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from demo_district import SimConfig, simulate
from demo_district.profile import core_checksum
from fiscal_app.settings import Settings
from fiscal_core.service_layer.core import Core
from tests.district import AS_OF, District


def _run(home: Path, **kw) -> tuple:  # type: ignore[no-untyped-def]
    settings = Settings.for_home(home)
    res = simulate(settings.core_url, home, SimConfig(scale=0.01, seed=kw.pop("seed", 7), **kw), log=lambda m: None)
    return res, settings


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("district")
    res, settings = _run(home, years=2, as_of=date(2025, 12, 31))
    core = Core.open(settings.core_url, migrate_schema=False)
    yield res, settings, core
    core.close()


def test_the_run_leaves_a_verified_journal_and_holding_identities(two_years) -> None:  # type: ignore[no-untyped-def]
    res, _, core = two_years
    assert res.journal_ok and res.ledger_violations == 0
    assert core.verify_journal().ok and core.check_ledger() == []


def test_size_is_that_of_a_hundredth_of_the_district(two_years) -> None:  # type: ignore[no-untyped-def]
    p = two_years[0].profile
    assert 5 <= p["agencies"] <= 30 and p["departments"] >= 3
    assert 50 <= p["working_staff"] <= 120                       # ≈ 7,500 × 0.01
    for year in (2024, 2025):
        assert p["payments_by_year"][year][0] > 1_000
        _n, budget = p["indicators_by_year"][year]
        paid = p["payments_by_year"][year][1]
        assert 0.8 < paid / budget <= 1.0, year                   # most of the budget is spent, never more


def test_seasonality_of_spending_and_revenue(two_years) -> None:  # type: ignore[no-untyped-def]
    p = two_years[0].profile
    months = p["monthly_paid"]
    assert len(months) == 12
    average = sum(months.values()) / 12
    assert months[12] > 1.3 * average                             # the year-end surge
    assert months[2] < average                                    # Spring Festival is quiet
    assert p["payroll_months"][2024] == 12 and p["payroll_months"][2025] == 12
    cit = p["vat_monthly"]                                        # corporate income tax: quarterly + May
    assert min(cit[1], cit[4], cit[5], cit[7], cit[10]) > 2 * max(cit[2], cit[3], cit[6], cit[8])


def test_ten_years_of_monthly_revenue_for_forecasting(two_years) -> None:  # type: ignore[no-untyped-def]
    core = two_years[2]
    with core.db.read() as conn:
        years = [int(r[0]) for r in conn.execute(text(
            "SELECT DISTINCT CAST(strftime('%Y', tre_date) AS INTEGER) FROM inc_treasury_income ORDER BY 1"))]
    assert years[0] <= 2016 and years[-1] == 2025 and len(years) >= 10


def test_every_payment_traces_back_to_a_library_project(two_years) -> None:  # type: ignore[no-untyped-def]
    core = two_years[2]
    with core.db.read() as conn:
        app = conn.execute(text("SELECT pay_app_id FROM pay_voucher WHERE status = 'cleared' "
                                "ORDER BY pay_app_no LIMIT 1")).scalar_one()
        orphans = conn.execute(text(
            "SELECT COUNT(*) FROM pay_voucher v LEFT JOIN ba_bgt_info i ON i.bgt_id = v.bgt_id "
            "LEFT JOIN pm_project p ON p.pro_code = i.pro_code WHERE p.pro_code IS NULL")).scalar_one()
    tr = core.trace_payment(app)
    assert tr is not None and tr["projects"] and tr["indicators"] and tr["vouchers"][0]["act_lqd_date"]
    assert orphans == 0


def test_ground_truth_and_exchange_files(two_years) -> None:  # type: ignore[no-untyped-def]
    res, settings, _ = two_years
    with open(settings.home / "simulation" / "ground_truth.csv", encoding="utf-8") as fh:
        cases = list(csv.DictReader(fh))
    assert len(cases) == res.ground_truth_cases > 0
    kinds = {c["kind"] for c in cases}
    assert {"split_procurement", "personal_large", "own_account", "cash", "generic_des"} <= kinds
    paid = [c for c in cases if json.loads(c["objects"]).get("pay_app_ids")]
    assert paid, "planted payments are identified by their applications"
    inbox = settings.home / "exchange" / "inbox"
    tax = sorted(inbox.glob("tax_revenue_*.csv"))
    assert tax and "增值税" in tax[0].read_bytes().decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        tax[0].read_bytes().decode("utf-8")                       # really GBK, as such exports are
    receipts = sorted(inbox.glob("bank_receipt_*.csv"))
    assert receipts and receipts[0].read_text(encoding="utf-8").startswith("pay_cert_no,")
    [roster] = inbox.glob("hr_roster_*.xlsx")
    rows = list(load_workbook(roster, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "身份证号") and len(rows) > 50


def _files(home: Path) -> dict[str, bytes]:
    """The files a simulation hands to others: the exchange inbox and the ground truth."""
    return {str(p.relative_to(home)): p.read_bytes()
            for folder in (home / "exchange" / "inbox", home / "simulation") for p in sorted(folder.iterdir())}


def test_same_seed_same_district(district: District, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The shared test district (seed 7) simulated again is the same byte for byte, core and files (the
    XLSX roster included); seed 8 is another."""
    sums, files = [], []
    for home in (district.final, tmp_path / "a"):
        if not home.exists():
            _run(home, years=1, as_of=AS_OF)
        core = Core.open(Settings.for_home(home).core_url, migrate_schema=False)
        sums.append(core_checksum(core))
        core.close()
        files.append(_files(home))
    assert sums[0] == sums[1]
    assert files[0].keys() == files[1].keys() and len(files[0]) > 100
    assert [name for name in files[0] if files[0][name] != files[1][name]] == []
    _, settings = _run(tmp_path / "c", years=1, as_of=AS_OF, seed=8)
    core = Core.open(settings.core_url, migrate_schema=False)
    assert core_checksum(core) != sums[0]
    core.close()


def _month_end_cover(core: Core, year: int) -> dict[int, float]:
    """库款保障水平 at each month end of ``year``, as the dashboards define it (fct_treasury_cash_daily's
    closing balance ÷ the average daily outflow of the last 90 days × 30), recomputed from the core's
    tables: the opening, the bookings since, cleared vouchers out and refunds back."""
    from collections import defaultdict
    from datetime import timedelta
    with core.db.read() as conn:
        open_date, opening = conn.execute(text("SELECT open_date, amount FROM trs_opening")).one()
        flows: dict[date, int] = defaultdict(int)
        out: dict[date, int] = defaultdict(int)
        for d, amt in conn.execute(text("SELECT tre_date, SUM(amount) FROM inc_treasury_income "
                                        "WHERE tre_date >= :o GROUP BY 1"), {"o": open_date}):
            flows[date.fromisoformat(str(d))] += int(amt)
        for d, amt in conn.execute(text("SELECT act_lqd_date, SUM(xpay_amt) FROM pay_voucher_bill "
                                        "WHERE bill_type = 'pay' AND act_lqd_date IS NOT NULL GROUP BY 1")):
            out[date.fromisoformat(str(d))] += int(amt)
        for d, amt in conn.execute(text("SELECT xpay_date, SUM(pay_amt) FROM pay_voucher_bill "
                                        "WHERE bill_type = 'refund' AND xpay_date IS NOT NULL GROUP BY 1")):
            flows[date.fromisoformat(str(d))] -= int(amt)
    start = date.fromisoformat(str(open_date))
    balance, closing, d = int(opening), {}, start
    while d <= date(year, 12, 31):
        balance += flows[d] - out[d]
        closing[d] = balance
        d += timedelta(days=1)
    cover = {}
    for m in range(1, 13):
        end = (date(year, m + 1, 1) if m < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
        window = [out[end - timedelta(days=i)] for i in range(90)]
        cover[m] = closing[end] / (sum(window) / 90 * 30)
    return cover


@pytest.mark.xfail(reason="issue 14 item 2 unfinished: at scale 0.01 (seed 7) March 2025 reaches 3.4 months, "
                          "above the 3-month band; the 资金调度 hold-back needs tuning", strict=False)
def test_the_treasury_keeps_a_district_s_level_and_rhythm(two_years) -> None:  # type: ignore[no-untyped-def]
    """After the first year the month-end 库款保障水平 stays within the plausibility band (0.3-3 months), at
    its lowest around the turn of the year (the December rush drains it) and above that mid-year."""
    core = two_years[2]
    cover = _month_end_cover(core, 2025)
    assert all(0.3 <= v <= 3.0 for v in cover.values()), cover
    assert min(cover[12], cover[1]) < max(cover[m] for m in range(4, 11)), cover
    with core.db.read() as conn:
        by_class = dict(conn.execute(text(
            "SELECT substr(inc_code, 1, 3), SUM(amount) FROM inc_treasury_income WHERE tre_date >= '2025-01-01' "
            "GROUP BY 1")).all())
        paid = conn.execute(text("SELECT SUM(xpay_amt) FROM pay_voucher_bill WHERE bill_type = 'pay' "
                                 "AND act_lqd_date >= '2025-01-01'")).scalar_one()
    assert by_class.get("110", 0) > 0                  # transfers from above arrive
    # what comes in (own revenue, transfers, debt) is of the order of what goes out, not twice it
    assert 0.8 < sum(by_class.values()) / paid < 1.25, (by_class, paid)


def test_ordinary_purchases_are_not_split(two_years) -> None:  # type: ignore[no-untyped-def]
    """Rule R12's pattern (a unit paying one supplier, without a contract, several purchases in a quarter each
    below the 分散采购限额 and together above it) appears only where a split purchase was planted."""
    _, settings, core = two_years
    with core.db.read() as conn:
        found = {(a, p, f"{y}Q{q}") for a, p, y, q in conn.execute(text(
            "SELECT agency_code, payee_acct_name, fiscal_year, (CAST(strftime('%m', create_date) AS INTEGER) + 2) / 3 "
            "FROM pay_voucher WHERE contract_no IS NULL AND status NOT IN ('voided', 'returned') "
            "AND substr(dep_bgt_eco_code, 1, 3) IN ('302', '310') AND dep_bgt_eco_code NOT IN "
            "('30205', '30206', '30207', '30211', '30212', '30217', '30226', '30228', '30229', '30239') "
            "GROUP BY 1, 2, 3, 4 HAVING COUNT(*) >= 2 AND MAX(pay_app_amt) < 30000000 "
            "AND SUM(pay_app_amt) >= 30000000"))}
    with open(settings.home / "simulation" / "ground_truth.csv", encoding="utf-8") as fh:
        planted = {(o["agency_code"], o["payee"], o["quarter"]) for c in csv.DictReader(fh) if c["rule_no"] == "12"
                   for o in [json.loads(c["objects"])] if o.get("pay_app_ids")}
    assert found and found <= planted


def test_the_warnings_on_the_small_district_are_the_planted_cases(built_district) -> None:  # type: ignore[no-untyped-def]
    """Scored on the shared built district: the execution-lag, split-purchase, 'other'-code and
    subsidy-detail rules raise nothing on ordinary activity."""
    from benchmarks.scoring import score
    from fiscal_core.adapters.db import Database
    db = Database(f"sqlite:///{built_district.home / 'core.sqlite3'}")
    try:
        res = score(built_district.home / "simulation" / "ground_truth.csv", db, built_district.warehouse)
    finally:
        db.dispose()
    for no in ("11", "12", "17", "23"):
        assert res["by_rule_no"][no]["false_alarms"] == 0, (no, res["false_alarm_examples"])
