"""Forecasts on a real refresh of a small simulated built_district (``fiscal simulate`` at scale 0.01, then
``refresh``, which now runs the forecasting step), and a real Dagster run of the forecast asset."""

from __future__ import annotations

import math
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.forecasts import TABLES
from tests.district import Built

INTERVALS = {"revenue_monthly": "mean", "revenue_year_end": "forecast_mean",
             "expenditure_year_end": "forecast_paid_mean", "cash_daily": "balance_mean"}


def test_every_forecast_table_exists_and_is_filled(built_district: Built) -> None:
    for table in TABLES:
        n = built_district.query(f"select count(*) from forecast.{table}")[0][0]
        assert n > 0, table


def test_intervals_are_finite_and_ordered(built_district: Built) -> None:
    for table, mean in INTERVALS.items():
        rows = built_district.query(f"select lo95, lo80, {mean}, hi80, hi95 from forecast.{table} where lo80 is not null")
        assert rows, table
        for r in rows:
            assert all(math.isfinite(v) for v in r), (table, r)
            assert r[0] <= r[1] <= r[2] <= r[3] <= r[4], (table, r)


def test_revenue_has_actuals_forecasts_and_a_total(built_district: Built) -> None:
    kinds = dict(built_district.query("select kind, count(*) from forecast.revenue_monthly where series_id = 'total' "
                                "group by kind"))
    assert kinds["actual"] > 0 and kinds["forecast"] == 8 + 12          # May..Dec 2025 and 2026
    assert built_district.query("select count(*) from forecast.revenue_monthly where kind = 'actual' and lo80 is not null"
                          )[0][0] == 0
    total = built_district.query("select budget_amt, actual_ytd, p_shortfall from forecast.revenue_year_end "
                           "where series_id = 'total'")[0]
    raw_ytd = built_district.query("select sum(amount) from raw.inc_treasury_income where tre_date between "
                             "'2025-01-01' and '2025-04-30'")[0][0]
    assert isinstance(total[1], Decimal) and total[1] == Decimal(raw_ytd) / 100
    assert total[0] is None or 0 <= total[2] <= 1


def test_cash_known_flows_add_up_to_the_core(built_district: Built) -> None:
    inflight_raw = built_district.query("select coalesce(sum(pay_app_amt), 0) from raw.pay_voucher "
                                  "where status in ('approved', 'voucher_issued', 'paid')")[0][0]
    by_class = dict(built_district.query("select flow_class, sum(amount) from forecast.cash_known_flows group by 1"))
    assert by_class.get("in_flight", Decimal(0)) == Decimal(inflight_raw) / 100
    daily = built_district.query("select sum(known_outflow), sum(known_inflight_out), sum(known_payroll_out), "
                           "sum(known_contract_out) from forecast.cash_daily where kind = 'forecast'")[0]
    assert daily[0] == sum(by_class.values()) == daily[1] + daily[2] + daily[3]
    # contracts: what is left to pay on this year's contracts is at most contract − paid − in flight
    left = built_district.query("""
        select coalesce(sum(c.contract_amt), 0) - coalesce((select sum(pay_app_amt - refund_amt) from raw.pay_voucher
               where contract_no is not null and status in ('paid', 'cleared', 'submitted', 'fin_review',
               'approved', 'voucher_issued')), 0)
        from raw.gp_contract as c""")[0][0]
    assert by_class.get("contract", Decimal(0)) <= Decimal(left) / 100
    n, actual_days, _last = built_district.query("select count(*) filter (where kind = 'forecast'), "
                                          "count(*) filter (where kind = 'actual'), max(date) from forecast.cash_daily")[0]
    assert n == 90 and actual_days > 0
    closing = built_district.query("select closing_amt from marts.fct_treasury_cash_daily order by cash_date desc limit 1")
    assert built_district.query("select balance from forecast.cash_summary")[0][0] == closing[0][0]


def test_early_warning_bands_and_bilingual_text(built_district: Built) -> None:
    rows = built_district.query("select indicator_code, band, indicator_name, indicator_name_en, reason_zh, reason_en "
                          "from forecast.early_warning")
    codes = {r[0] for r in rows}
    assert {"EXEC_PROGRESS", "REV_PROGRESS", "REV_SHORTFALL", "CASH_BELOW_MIN", "CASH_GUARANTEE", "SANBAO_WAGE",
            "SANBAO_OPS", "SANBAO_LIVELIHOOD", "SANGONG_GROWTH", "UNUSED_INDICATORS"} <= codes
    assert all(r[1] in {"green", "yellow", "red"} for r in rows)
    assert all(r[2] and r[3] and r[4] and r[5] for r in rows)


def test_backtest_and_run_rows(built_district: Built) -> None:
    assert built_district.query("select count(distinct series_id) from forecast.backtest where table_name = "
                          "'revenue_monthly'")[0][0] > 1
    as_of, seconds = built_district.query("select as_of, seconds from forecast._run")[0]
    assert str(as_of) == "2025-04-30" and seconds > 0


def test_forecast_job_materialises_in_dagster(built_district: Built, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A real in-process run of forecast_job: copy of the live warehouse → forecast (+ its check) → swap."""
    from dagster_project.definitions import defs

    home = tmp_path / "home"
    shutil.copytree(built_district.home, home, ignore=shutil.ignore_patterns(".dbt", ".warehouse.build.duckdb*"))
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("drop schema forecast cascade")
    monkeypatch.setenv("FISCAL_HOME", str(home))
    monkeypatch.delenv("FISCAL_CORE_URL", raising=False)
    result = defs().resolve_job_def("forecast_job").execute_in_process(raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    checks = [e.asset_check_evaluation_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    assert ("intervals_finite_and_ordered", True) in [(c.check_name, c.passed) for c in checks]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from forecast.cash_daily").fetchone()[0] > 0  # type: ignore[index]
