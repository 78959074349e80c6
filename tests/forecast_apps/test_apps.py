"""Pure-function tests of models_forecast.apps on synthetic frames with known answers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from models_forecast.apps import cash, warning
from models_forecast.apps.config import WarningBands
from models_forecast.apps.expenditure import expenditure_year_end, ytd_shares
from models_forecast.apps.intervals import prob_below, sum_forecast

AS_OF = date(2025, 4, 30)   # a Wednesday


def test_in_flight_flows_land_on_their_day_with_exact_fen() -> None:
    apps = pd.DataFrame({"pay_app_id": ["a", "b", "c"], "status": ["approved", "voucher_issued", "paid"],
                         "status_date": [date(2025, 4, 29), date(2025, 4, 30), date(2025, 4, 30)],
                         "amount_fen": [100_01, 250_00, 7]})
    got = cash.in_flight_flows(apps, {"approved": 3, "voucher_issued": 1, "paid": 1}, AS_OF, date(2025, 7, 29))
    by_day = dict(zip(got["date"], got["amount_fen"], strict=True))
    assert by_day == {date(2025, 5, 2): 100_01, date(2025, 5, 1): 250_07}
    assert int(got["amount_fen"].sum()) == 100_01 + 250_00 + 7


def test_in_flight_never_before_the_next_working_day() -> None:
    fri = date(2025, 5, 2)
    apps = pd.DataFrame({"pay_app_id": ["a"], "status": ["approved"], "status_date": [date(2025, 3, 1)],
                         "amount_fen": [5]})
    got = cash.in_flight_flows(apps, {"approved": 2}, fri, date(2025, 8, 1))
    assert list(got["date"]) == [date(2025, 5, 5)]          # Monday


def test_contract_remainder_split_exactly_and_retention_left_out() -> None:
    contracts = pd.DataFrame({"contract_no": ["big", "retention", "last_year"], "fiscal_year": [2025, 2025, 2024],
                              "contract_fen": [1_000_000, 1_000_000, 1_000_000], "paid_fen": [300_000, 950_000, 0],
                              "in_flight_fen": [100_001, 0, 0]})
    end_of_year = cash.contract_flows(contracts, AS_OF, date(2025, 12, 31), 0.05)
    assert int(end_of_year["amount_fen"].sum()) == 1_000_000 - 300_000 - 100_001   # to the fen, only 'big'
    ninety = cash.contract_flows(contracts, AS_OF, date(2025, 7, 29), 0.05)
    share = len(cash._working_days(AS_OF, date(2025, 7, 29))) / len(cash._working_days(AS_OF, date(2025, 12, 31)))
    assert int(ninety["amount_fen"].sum()) == pytest.approx(599_999 * share, abs=len(ninety))


def test_payroll_calendar_repeats_the_last_month_and_skips_months_already_run() -> None:
    hist = pd.DataFrame({"agency_code": ["A"] * 4 + ["B"] * 4,
                         "pay_month": ["2025-01", "2025-02", "2025-03", "2025-04"] * 2,
                         "amount_fen": [100, 100, 100, 120, 50, 50, 50, 50],
                         "pay_day": [date(2025, m, 10) for m in range(1, 5)] * 2})
    hist = pd.concat([hist, pd.DataFrame([{"agency_code": "B", "pay_month": "2025-05", "amount_fen": 55,
                                           "pay_day": date(2025, 5, 9)}])])        # B's May already in flight
    got = cash.payroll_calendar(hist, AS_OF, date(2025, 7, 29))
    by_day = dict(zip(got["date"], got["amount_fen"], strict=True))
    # May 10 2025 is a Saturday → Monday 12th; June 10 Tuesday; July 10 Thursday
    assert by_day == {date(2025, 5, 12): 120, date(2025, 6, 10): 120 + 55, date(2025, 7, 10): 120 + 55}


def test_cash_forecast_carries_known_flows_and_orders_bounds() -> None:
    days = pd.date_range("2024-06-01", AS_OF, freq="D")
    rng = np.random.default_rng(1)
    inflow = (rng.uniform(8e5, 1.2e6, len(days)) * 100).astype("int64")
    outflow = (rng.uniform(8e5, 1.2e6, len(days)) * 100).astype("int64")
    history = pd.DataFrame({"date": days, "closing_fen": 5e9 + np.cumsum(inflow - outflow), "inflow_fen": inflow,
                            "outflow_fen": outflow, "payroll_out_fen": 0, "contract_out_fen": 0})
    known = pd.DataFrame({"date": [date(2025, 5, 6)], "flow_class": ["in_flight"], "direction": ["out"],
                          "amount_fen": [123_456_78], "n_items": [1]})
    general = pd.DataFrame(columns=["approved_date", "cleared_date", "amount_fen"])
    fc = cash.forecast_cash(history, known, general, AS_OF)
    f = fc.daily[fc.daily["kind"] == "forecast"].set_index("date")
    assert len(f) == 90
    assert int(f.loc[date(2025, 5, 6), "known_outflow_fen"]) == 123_456_78
    assert int(f["known_outflow_fen"].sum()) == 123_456_78
    b = f[["lo95", "lo80", "balance_mean", "hi80", "hi95"]].to_numpy(float)
    assert np.isfinite(b).all() and (np.diff(b, axis=1) >= 0).all()
    step = f["balance_mean"].diff().loc[date(2025, 5, 6)] - f["balance_mean"].diff().loc[date(2025, 5, 13)]
    assert step == pytest.approx(-123_456.78, rel=0.2)      # the known payment shows as a drop that day


def test_seasonal_expected_share_is_the_mean_of_past_years() -> None:
    # 2023: a quarter of the year by end-April; 2024: 35 % — expected 30 %, sd 7.07 %
    rows = []
    for y, april in ((2023, 0.25), (2024, 0.35)):
        for m in range(1, 13):
            amount = april / 4 if m <= 4 else (1 - april) / 8
            rows.append({"fiscal_year": y, "fiscal_month": m, "amount": amount * 1000})
    past = warning.ytd_ratio_at(pd.DataFrame(rows), 4.0)
    assert past.to_dict() == pytest.approx({2023: 0.25, 2024: 0.35})
    mean, sd = warning.seasonal_expected(past, WarningBands())
    assert mean == pytest.approx(0.30) and sd == pytest.approx(np.std([0.25, 0.35], ddof=1))
    half = warning.ytd_ratio_at(pd.DataFrame(rows), 3.5)         # mid-April: interpolated within the month
    assert half[2023] == pytest.approx(0.25 * 3.5 / 4)
    assert ytd_shares(pd.DataFrame(rows).rename(columns={"amount": "paid"}), 4.0)[2024] == pytest.approx(0.35)


def test_progress_bands_trigger_at_the_thresholds_and_not_below() -> None:
    b = WarningBands(progress_yellow_sd=1.0, progress_red_sd=2.0, progress_min_sd=0.02)
    sd = 0.05
    assert warning.progress_band(0.30 - 0.0499, 0.30, sd, b) == "green"
    assert warning.progress_band(0.30 - 0.05, 0.30, sd, b) == "yellow"
    assert warning.progress_band(0.30 - 0.0999, 0.30, sd, b) == "yellow"
    assert warning.progress_band(0.30 - 0.10, 0.30, sd, b) == "red"
    assert warning.progress_band(0.40, 0.30, sd, b) == "green"       # ahead is never a warning
    assert warning.band_high(0.1999, 0.05, 0.2) == "yellow" and warning.band_high(0.2, 0.05, 0.2) == "red"
    assert warning.band_high(0.0499, 0.05, 0.2) == "green"
    assert warning.band_low(0.3, 0.5, 0.3) == "red" and warning.band_low(0.31, 0.5, 0.3) == "yellow"
    assert warning.band_low(0.5, 0.5, 0.3) == "green"


def test_progress_without_history_is_not_judged_by_elapsed_time() -> None:
    row = warning.progress_indicator(AS_OF, "EXEC_PROGRESS", "支出执行进度", "execution", "total", 0.01,
                                     pd.Series(dtype=float), WarningBands())
    assert row["band"] == "green" and row["expected"] is None and "不评估" in str(row["reason_zh"])


def test_sangong_growth_and_unused_bands() -> None:
    b = WarningBands()
    assert warning.sangong_indicator(AS_OF, "total", 100.0, 100.0, b)["band"] == "green"
    assert warning.sangong_indicator(AS_OF, "total", 101.0, 100.0, b)["band"] == "yellow"
    assert warning.sangong_indicator(AS_OF, "total", 110.0, 100.0, b)["band"] == "red"
    assert warning.unused_indicator(date(2025, 9, 30), 0.9, 10, b)["band"] == "green"   # not before October
    assert warning.unused_indicator(date(2025, 10, 31), 0.2, 10, b)["band"] == "red"


def test_expenditure_year_end_follows_the_seasonal_path() -> None:
    rows = []
    for y in (2023, 2024):
        for m in range(1, 13):         # 20 % by end-April, the rest evenly
            paid = 200 / 4 if m <= 4 else 800 / 8
            rows.append({"fiscal_year": y, "fiscal_month": m, "exp_func_class": "201", "exp_func_name": "一般公共服务支出",
                         "fund_type_code": "11", "indicator_fen": 100_000, "paid_fen": int(paid * 100)})
    for m in range(1, 5):
        rows.append({"fiscal_year": 2025, "fiscal_month": m, "exp_func_class": "201", "exp_func_name": "一般公共服务支出",
                     "fund_type_code": "11", "indicator_fen": 200_000, "paid_fen": 6_000})
    got = expenditure_year_end(pd.DataFrame(rows), AS_OF).iloc[0]
    assert int(got["paid_ytd_fen"]) == 24_000
    assert got["forecast_paid_mean"] == pytest.approx(240.0 / 0.2)      # not the straight-line 240 × 3 = 720
    assert got["lo95"] <= got["lo80"] <= got["forecast_paid_mean"] <= got["hi80"] <= got["hi95"] <= 2000


def test_year_end_sum_and_probability() -> None:
    f = pd.DataFrame({"mean": [10.0, 10.0], "lo80": [8.0, 8.0], "hi80": [12.0, 12.0], "lo95": [7.0, 7.0],
                      "hi95": [13.0, 13.0]})
    indep, corr = sum_forecast(f, 0.0, offset=5.0), sum_forecast(f, 1.0, offset=5.0)
    assert indep["mean"] == corr["mean"] == 25.0
    assert corr["lo80"] == pytest.approx(21.0) and indep["lo80"] == pytest.approx(25 - 2 * np.sqrt(2))
    assert prob_below(25.0, 25.0, 21.0, 29.0) == pytest.approx(0.5)
    assert prob_below(21.0, 25.0, 21.0, 29.0) == pytest.approx(0.1)
