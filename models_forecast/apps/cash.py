"""Commitment-aware treasury cash forecast (库款预测), 90 days ahead of ``as_of``.

Balance on day h after as_of = balance at as_of
  + known flows to day h (from the core: payment applications approved but not yet cleared, the payroll
    calendar, contract remainders) — exact amounts, integer fen
  + the forecast of the *residual* flows (every inflow, and the outflows that are neither payroll nor contract
    payments) — the library forecasts the cumulative residual, so its intervals are backtested and calibrated
    on the very quantity summed over h days
  + a correction for overlap: the general payments already approved at as_of are both known and part of the
    residual forecast of the next days; the expected amount of them (share still uncleared d days after
    approval × average general outflow of that weekday) is added back.

Probabilities below the minimum are *interval-based*: each day's balance is read as a split normal from its
80 % interval; ``p_below_min_90d`` is the largest daily probability over the horizon (a lower bound for the
probability of ever dipping below). Transfers from the upper level and debt service have no schedule in the
core, so they stay in the residual.

All money inputs are integer fen; forecasts are float yuan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .common import BACKTEST_COLUMNS, next_working_day, robust_forecast
from .config import AppsConfig
from .intervals import prob_below

KNOWN_COLUMNS = ["date", "flow_class", "direction", "amount_fen", "n_items"]
FLOW_CLASSES = {
    "in_flight": "已审核未清算支付申请 (approved payment applications not yet cleared)",
    "payroll": "工资统发日历 (payroll calendar)",
    "contract": "采购合同未付余额 (procurement contract remainders)",
}
DEFAULT_LAGS = {"approved": 2, "voucher_issued": 1, "paid": 1}


@dataclass
class CashForecast:
    daily: pd.DataFrame     # date, kind, balance_mean, lo80..hi95, known_inflow_fen, known_outflow_fen, per class
    summary: dict[str, object]
    known: pd.DataFrame     # KNOWN_COLUMNS
    backtest: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (pd.to_datetime(b) - pd.to_datetime(a)).dt.days


def clearing_lags(cleared: pd.DataFrame) -> dict[str, int]:
    """Median days to clearing from approval, voucher and bank payment, from cleared applications
    (columns approved_date, voucher_date, paid_date, cleared_date). Defaults where history is missing."""
    out = dict(DEFAULT_LAGS)
    if cleared.empty:
        return out
    for status, col in (("approved", "approved_date"), ("voucher_issued", "voucher_date"), ("paid", "paid_date")):
        d = _days(cleared[col], cleared["cleared_date"]).dropna()
        d = d[d >= 0]
        if len(d):
            out[status] = int(np.median(d))
    return out


def in_flight_flows(apps: pd.DataFrame, lags: dict[str, int], as_of: date, end: date) -> pd.DataFrame:
    """Known outflows of the applications approved but not cleared at as_of (columns pay_app_id, status
    in {approved, voucher_issued, paid}, status_date, amount_fen): each on status_date + the median lag of its
    status, no earlier than the next working day after as_of and no later than ``end``."""
    if apps.empty:
        return pd.DataFrame(columns=KNOWN_COLUMNS)
    first = next_working_day(as_of + timedelta(days=1))
    dates = []
    for status, when in zip(apps["status"], pd.to_datetime(apps["status_date"]), strict=True):
        d = (when.date() if pd.notna(when) else as_of) + timedelta(days=lags.get(status, 1))
        d = next_working_day(max(d, first))
        dates.append(min(d, end))
    df = pd.DataFrame({"date": dates, "amount_fen": apps["amount_fen"].astype("int64").to_numpy()})
    g = df.groupby("date").agg(amount_fen=("amount_fen", "sum"), n_items=("amount_fen", "size")).reset_index()
    g["flow_class"], g["direction"] = "in_flight", "out"
    return g[KNOWN_COLUMNS]


def payroll_calendar(payroll: pd.DataFrame, as_of: date, end: date) -> pd.DataFrame:
    """Future payroll runs per agency (columns agency_code, pay_month 'YYYY-MM', amount_fen, pay_day: the date
    the run was paid or is expected). A month already run or in flight is left out (it is known as in flight or
    already paid); the amount is the agency's latest month; the day is the median day of the month of its
    last six runs, moved off weekends. Agencies without a run in the last three months are left out."""
    if payroll.empty:
        return pd.DataFrame(columns=KNOWN_COLUMNS)
    df = payroll.copy()
    df["pay_day"] = pd.to_datetime(df["pay_day"])
    done = set(zip(df["agency_code"], df["pay_month"], strict=True))
    rows = []
    cutoff = f"{(as_of.replace(day=1) - timedelta(days=80)):%Y-%m}"
    for agency, g in df.groupby("agency_code"):
        by_month = g.groupby("pay_month").agg(amount_fen=("amount_fen", "sum"), day=("pay_day", "max"))
        by_month = by_month.sort_index()
        if by_month.index[-1] < cutoff:
            continue
        amount = int(by_month["amount_fen"].iloc[-1])
        dom = int(np.median(by_month["day"].dropna().dt.day.to_numpy()[-6:])) if by_month["day"].notna().any() else 10
        m = as_of.replace(day=1)
        while m <= end:
            key = f"{m:%Y-%m}"
            last_day = (m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            d = next_working_day(m.replace(day=min(dom, last_day.day)))
            if key not in by_month.index and (agency, key) not in done and as_of < d <= end and amount > 0:
                rows.append({"date": d, "amount_fen": amount})
            m = (m.replace(day=28) + timedelta(days=4)).replace(day=1)
    if not rows:
        return pd.DataFrame(columns=KNOWN_COLUMNS)
    r = pd.DataFrame(rows)
    g = r.groupby("date").agg(amount_fen=("amount_fen", "sum"), n_items=("amount_fen", "size")).reset_index()
    g["flow_class"], g["direction"] = "payroll", "out"
    return g[KNOWN_COLUMNS]


def _working_days(a: date, b: date) -> list[date]:
    """Working days d with a < d <= b."""
    out, d = [], a + timedelta(days=1)
    while d <= b:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def contract_flows(contracts: pd.DataFrame, as_of: date, end: date, retention_share: float) -> pd.DataFrame:
    """Known outflows of this year's contracts still to pay (columns contract_no, fiscal_year, contract_fen,
    paid_fen, in_flight_fen): remainder = contract − paid − in flight. A remainder at or below
    ``retention_share`` of the contract is warranty retention and left out. The remainder is expected by the
    end of the contract's year, evenly over the working days until then; the part falling after ``end`` is
    outside the horizon. Fen are split exactly (the rounding remainder goes to the last day)."""
    if contracts.empty:
        return pd.DataFrame(columns=KNOWN_COLUMNS)
    year_end = date(as_of.year, 12, 31)
    days_to_ye = _working_days(as_of, year_end)
    if not days_to_ye:
        return pd.DataFrame(columns=KNOWN_COLUMNS)
    in_h = [d for d in days_to_ye if d <= end]
    totals: dict[date, int] = {}
    counts: dict[date, int] = {}
    n_all = len(days_to_ye)
    for c in contracts.itertuples(index=False):
        if int(c.fiscal_year) != as_of.year:
            continue
        rest = int(c.contract_fen) - int(c.paid_fen) - int(c.in_flight_fen)
        if rest <= retention_share * int(c.contract_fen) or rest <= 0:
            continue
        per, rem = divmod(rest, n_all)
        for i, d in enumerate(in_h):
            amt = per + (rem if i == n_all - 1 else 0)
            totals[d] = totals.get(d, 0) + amt
            counts[d] = counts.get(d, 0) + 1
    if not totals:
        return pd.DataFrame(columns=KNOWN_COLUMNS)
    g = pd.DataFrame({"date": list(totals), "amount_fen": list(totals.values()), "n_items": list(counts.values())})
    g["flow_class"], g["direction"] = "contract", "out"
    return g.sort_values("date")[KNOWN_COLUMNS].reset_index(drop=True)


def approved_share_ahead(general: pd.DataFrame, horizon: int) -> np.ndarray:
    """q[d-1] for d = 1..horizon: the amount-weighted share of general payments still uncleared d days after
    their approval (columns approved_date, cleared_date, amount_fen)."""
    if general.empty:
        return np.zeros(horizon)
    lag = _days(general["approved_date"], general["cleared_date"]).to_numpy(float)
    w = general["amount_fen"].to_numpy(float)
    ok = np.isfinite(lag) & (lag >= 0) & (w > 0)
    lag, w = lag[ok], w[ok]
    if not len(w):
        return np.zeros(horizon)
    return np.array([float(w[lag >= d].sum() / w.sum()) for d in range(1, horizon + 1)])


def forecast_cash(history: pd.DataFrame, known: pd.DataFrame, general: pd.DataFrame, as_of: date,
                  config: AppsConfig | None = None) -> CashForecast:
    """``history``: one row per day up to as_of — date, closing_fen, inflow_fen, outflow_fen, payroll_out_fen,
    contract_out_fen (payroll and contract payments cleared that day). ``known``: KNOWN_COLUMNS from the three
    builders above. ``general``: cleared general payments (approved_date, cleared_date, amount_fen) for the
    overlap correction."""
    config = config or AppsConfig()
    cc = config.cash
    H = cc.horizon_days
    notes: list[str] = []
    h = history.copy()
    h["date"] = pd.to_datetime(h["date"])
    h = h[h["date"] <= pd.Timestamp(as_of)].sort_values("date")
    h = h[h["date"] > pd.Timestamp(as_of) - pd.Timedelta(days=cc.history_days)]
    if h.empty:
        raise ValueError("库款日报为空，无法预测 (no treasury cash history up to as_of)")
    yuan = {c: h[c].astype(float).to_numpy() / 100 for c in
            ("closing_fen", "inflow_fen", "outflow_fen", "payroll_out_fen", "contract_out_fen")}
    general_out = yuan["outflow_fen"] - yuan["payroll_out_fen"] - yuan["contract_out_fen"]
    residual = yuan["inflow_fen"] - general_out
    cum = pd.Series(np.cumsum(residual), index=pd.DatetimeIndex(h["date"]))
    if len(h) < 60:
        notes.append(f"库款历史仅 {len(h)} 天，剩余流量预测不可靠 (only {len(h)} days of cash history: the residual "
                     "forecast is unreliable)")
    fc = robust_forecast(cum, H, freq="D", models=cc.models, origins=config.origins, series_id="residual_flow",
                         table_name="cash_daily")
    notes += fc.notes
    base = float(cum.iloc[-1])
    delta = fc.frame[["mean", "lo80", "hi80", "lo95", "hi95"]].to_numpy(float) - base
    days = [as_of + timedelta(days=i) for i in range(1, H + 1)]
    # overlap of the known in-flight general payments with the residual forecast
    q = approved_share_ahead(general, H)
    recent = pd.DataFrame({"wd": h["date"].dt.day_of_week.to_numpy(), "g": general_out})[-90:]
    by_wd = recent.groupby("wd")["g"].mean().reindex(range(7), fill_value=0.0)
    overlap = np.cumsum([q[i] * by_wd[d.weekday()] for i, d in enumerate(days)])
    # known flows by day and class
    k = known.copy()
    cls_cols = {}
    for cls in FLOW_CLASSES:
        sub = k[(k["flow_class"] == cls) & (k["direction"] == "out")] if not k.empty else k
        s = sub.groupby("date")["amount_fen"].sum() if not sub.empty else pd.Series(dtype="int64")
        cls_cols[cls] = np.array([int(s.get(d, 0)) for d in days], dtype="int64")
    kin = k[k["direction"] == "in"].groupby("date")["amount_fen"].sum() if not k.empty else pd.Series(dtype="int64")
    known_in = np.array([int(kin.get(d, 0)) for d in days], dtype="int64")
    known_out = sum(cls_cols.values())
    b0_fen = int(h["closing_fen"].iloc[-1])
    known_cum = np.cumsum(known_in - known_out).astype(float) / 100
    level = b0_fen / 100 + known_cum + overlap
    bal = delta + level[:, None]
    months = max(len(h) / 30.4375, 1.0)
    avg_month_out = float(yuan["outflow_fen"].sum()) / months
    if len(h) < 365:
        notes.append(f"月均流出按 {len(h)} 天计算 (average monthly outflow from {len(h)} days, not 12 months)")
    if cc.min_balance is not None:
        min_fen = int(cc.min_balance * 100)
    else:
        min_fen = round(cc.min_guarantee_months * avg_month_out * 100)
    min_yuan = min_fen / 100
    p = np.array([prob_below(min_yuan, r[0], r[1], r[2]) for r in bal])
    fcast = pd.DataFrame({"date": days, "kind": "forecast", "balance_mean": bal[:, 0], "lo80": bal[:, 1],
                          "hi80": bal[:, 2], "lo95": bal[:, 3], "hi95": bal[:, 4],
                          "known_inflow_fen": known_in, "known_outflow_fen": known_out,
                          "known_inflight_out_fen": cls_cols["in_flight"], "known_payroll_out_fen": cls_cols["payroll"],
                          "known_contract_out_fen": cls_cols["contract"], "p_below_min": p, "min_balance_fen": min_fen,
                          "model": fc.model})
    actual = pd.DataFrame({"date": h["date"].dt.date.to_numpy(), "kind": "actual", "balance_mean": yuan["closing_fen"],
                           "known_inflow_fen": h["inflow_fen"].astype("int64").to_numpy(),
                           "known_outflow_fen": h["outflow_fen"].astype("int64").to_numpy(),
                           "min_balance_fen": min_fen})
    daily = pd.concat([actual, fcast], ignore_index=True)
    summary = {
        "as_of": as_of, "balance_fen": b0_fen, "min_balance_fen": min_fen,
        "p_below_min_90d": float(p.max()) if len(p) else None,
        "guarantee_months_now": (b0_fen / 100) / avg_month_out if avg_month_out > 0 else None,
        "guarantee_months_90d": float(bal[-1, 0]) / avg_month_out if avg_month_out > 0 else None,
        "avg_monthly_outflow": avg_month_out,
        "note": "; ".join(dict.fromkeys(notes)) or None,
    }
    bt = fc.backtest if not fc.backtest.empty else pd.DataFrame(columns=BACKTEST_COLUMNS)
    return CashForecast(daily, summary, known, bt, notes)
